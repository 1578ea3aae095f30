import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { setApiBoard } from './api'
import { boardFromUrl } from './boardSelection'
import { startSocket } from './socket'
import { useBoardsStore } from './stores/boards'
import './style.css'

const app = createApp(App).use(createPinia())

// Which board this page follows: ?board=<id>, else the api's default board.
const board = boardFromUrl()
setApiBoard(board)
startSocket(board)
void useBoardsStore().refresh()

app.mount('#app')
