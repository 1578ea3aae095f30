import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '../api'
import type { BoardInfo } from '../types'

/**
 * The boards the api knows (a fleet), for the picker. Fetched on load and whenever a
 * board_status event says availability changed: never on a timer.
 */
export const useBoardsStore = defineStore('boards', () => {
  const list = ref<BoardInfo[]>([])
  const several = computed(() => list.value.length > 1)
  let pending: Promise<void> | null = null

  /** Re-read GET /api/boards; concurrent calls share one request. */
  function refresh(): Promise<void> {
    pending ??= api
      .boards()
      .then((data) => {
        list.value = data.boards
      })
      .catch(() => {
        /* keep the last list: the connection badge already tells the api is away */
      })
      .finally(() => {
        pending = null
      })
    return pending
  }

  return { list, several, refresh }
})
