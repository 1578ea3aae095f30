import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '../api'
import { throttle } from '../composables/useThrottle'
import type { BoardInfo } from '../types'

/** How many boards the picker shows at once: the rest are found by typing. */
export const PAGE_SIZE = 20
/** Typing sends at most one search per this many ms (the last text always goes). */
export const SEARCH_MS = 250

/** The option `delta` steps from `index` among `count`, wrapping; -1 when there are none. */
export function step(index: number, delta: number, count: number): number {
  if (count === 0) return -1
  if (index < 0) return delta > 0 ? 0 : count - 1
  return (((index + delta) % count) + count) % count
}

/**
 * The boards the api knows (a fleet, up to thousands), for the picker: one page of the
 * boards whose id starts with what was typed, never the whole list. Fetched on load,
 * while typing, and whenever a board_status event says availability changed (the same
 * page again): never on a timer.
 */
export const useBoardsStore = defineStore('boards', () => {
  /** The id prefix searched for ('' = every board). */
  const query = ref('')
  /** The first PAGE_SIZE boards whose id starts with `query`, sorted by id. */
  const list = ref<BoardInfo[]>([])
  /** How many boards start with `query` (the page shows `list.length` of them). */
  const total = ref(0)
  /** How many boards the api knows: the total of the last search for every board. */
  const fleetSize = ref(0)
  const several = computed(() => fleetSize.value > 1)
  const more = computed(() => Math.max(0, total.value - list.value.length))
  let pending: Promise<void> | null = null
  let pendingQuery = ''
  let latest = 0

  /** Re-read the current page; concurrent calls for the same text share one request. */
  function refresh(): Promise<void> {
    if (pending && pendingQuery === query.value) return pending
    const prefix = query.value
    const asked = ++latest
    pendingQuery = prefix
    const request = api
      .boards({ prefix, limit: PAGE_SIZE })
      .then((page) => {
        if (asked !== latest) return // a later search answers instead
        list.value = page.boards
        total.value = page.total
        // A search narrows the list, not the fleet: the picker must not vanish when
        // only one board matches what is typed.
        if (prefix === '') fleetSize.value = page.total
      })
      .catch(() => {
        /* keep the last list: the connection badge already tells the api is away */
      })
      .finally(() => {
        if (pending === request) pending = null
      })
    pending = request
    return request
  }

  const searchSoon = throttle(() => void refresh(), SEARCH_MS)

  /** Search for boards whose id starts with `text` (throttled while typing). */
  function search(text: string): void {
    if (text === query.value) return
    query.value = text
    searchSoon()
  }

  return { query, list, total, more, several, refresh, search }
})
