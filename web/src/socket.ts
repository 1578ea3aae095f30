// The one Socket.IO connection of the dashboard. It is created once, here, and every
// listener is registered here too (never in components), so a component re-render can
// neither open a second connection nor add a duplicate listener.
import { io, type Socket } from 'socket.io-client'
import { keepAssetImages } from './assetImages'
import { getToken, onTokenRefused } from './auth'
import { useBoardsStore } from './stores/boards'
import { useBoardStore } from './stores/board'
import { useConnectionStore } from './stores/connection'
import type { ClientEvents, ServerEvents } from './types'

export type BoardSocket = Socket<ServerEvents, ClientEvents>

let socket: BoardSocket | null = null
let previewWanted = false
let switching = false

/** Open the connection (once; later calls return the same socket), following `board`. */
export function startSocket(board: string | null): BoardSocket {
  if (socket) return socket
  const created: BoardSocket = io({
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    // Websocket first; long-polling only where a proxy refuses websockets.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    query: board ? { board } : {},
    // A function, so a token entered after a refusal is sent on the next attempt.
    auth: (cb) => {
      const token = getToken()
      cb(token ? { token } : {})
    },
  })
  socket = created
  wire(created)
  created.connect()
  return created
}

/** Follow another board: same socket, new handshake query, state cleared meanwhile. */
export function switchBoard(board: string | null): void {
  if (!socket) return
  socket.io.opts.query = board ? { board } : {}
  useBoardStore().reset()
  useConnectionStore().setStatus('connecting', 0)
  switching = true
  socket.disconnect()
  switching = false
  socket.connect()
}

/** Reconnect now (e.g. after a token was entered). */
export function reconnect(): void {
  if (!socket) return
  switching = true
  socket.disconnect()
  switching = false
  useConnectionStore().setStatus('connecting', 0)
  socket.connect()
}

/** Ask for preview frames while `enabled`; remembered and re-sent after a reconnect. */
export function setPreview(enabled: boolean): void {
  if (enabled === previewWanted) return
  previewWanted = enabled
  if (socket?.connected) socket.emit('preview', { enabled })
}

/** Forget the connection (tests). */
export function stopSocket(): void {
  socket?.disconnect()
  socket?.removeAllListeners()
  socket?.io.removeAllListeners()
  socket = null
  previewWanted = false
}

function wire(s: BoardSocket): void {
  const board = useBoardStore()
  const boards = useBoardsStore()
  const connection = useConnectionStore()
  let connectedBefore = false
  // A command refused for want of the token shows the token prompt, like a refused socket.
  onTokenRefused((message) => connection.setError(message))

  s.on('apps_list', board.applyAppsList)
  s.on('app_types', board.applyAppTypes)
  s.on('assets', (data) => {
    board.applyAssets(data)
    keepAssetImages(data.assets) // free the thumbnails of deleted or replaced images
  })
  s.on('current_app', board.applyCurrentApp)
  s.on('settings', board.applySettings)
  s.on('carousel_config', board.applyCarousel)
  s.on('night', board.applyNight)
  s.on('realtime', board.applyRealtime)
  s.on('notification', board.applyNotification)
  s.on('frame', board.applyFrame)
  s.on('board_status', (status) => {
    board.applyBoardStatus(status)
    void boards.refresh() // availability changed somewhere: re-read the fleet list
  })

  s.on('connect', () => {
    connection.setStatus('connected')
    // The server sends the state on connect, but a reconnect may land on a replica or
    // race the bridge's change events: ask again so nothing missed during the outage stays.
    if (connectedBefore) s.emit('request_state')
    connectedBefore = true
    if (previewWanted) s.emit('preview', { enabled: true })
  })

  s.on('disconnect', (reason) => {
    if (switching) return
    if (reason === 'io server disconnect') {
      // The server closed us on purpose; the Manager does not retry that by itself.
      connection.setStatus('reconnecting', 0)
      s.connect()
    } else if (reason === 'io client disconnect') {
      connection.setStatus('disconnected')
    } else {
      connection.setStatus('reconnecting', 0)
    }
  })

  s.on('connect_error', (err) => {
    // The server refused the handshake (bad board, missing token): say why.
    const data = (err as Error & { data?: { message?: string } }).data
    connection.setError(data?.message ?? (s.active ? null : err.message))
    if (!s.active) connection.setStatus('disconnected')
  })

  s.io.on('reconnect_attempt', (attempt) => connection.setStatus('reconnecting', attempt))
  s.io.on('reconnect_failed', () => connection.setStatus('disconnected'))
}
