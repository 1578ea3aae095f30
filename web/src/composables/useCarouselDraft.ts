import { computed, ref, watch } from 'vue'
import { api } from '../api'
import { draftOf, entryOf, type EntryDraft, sameEntry } from '../schedule'
import { useBoardStore } from '../stores/board'
import type { TransitionDraft } from '../transitions'
import type { CarouselConfig, Weekday } from '../types'
import { useApiAction } from './useApiAction'

export interface DraftEntry extends EntryDraft {
  key: number // stable v-for key while rows move
}

const DEFAULT_DURATION = 10 // seconds a newly added app shows; the user edits it anyway

/** Shown while no entry's days and window include now: a dark panel. */
export const NO_FALLBACK = 'off'

/**
 * The carousel being edited. It follows the server until the user changes something,
 * then keeps the edit (also after a refusal) until it is saved or discarded.
 */
export function useCarouselDraft() {
  const board = useBoardStore()
  const enabled = ref(false)
  const entries = ref<DraftEntry[]>([])
  const fallback = ref(NO_FALLBACK)
  const dirty = ref(false)
  const { busy, error, run, clear } = useApiAction()
  let nextKey = 0

  function matches(config: CarouselConfig | null): boolean {
    const apps = config?.apps ?? []
    return (
      enabled.value === (config?.enabled ?? false) &&
      fallback.value === (config?.fallback ?? NO_FALLBACK) &&
      apps.length === entries.value.length &&
      apps.every((e, i) => {
        const draft = entries.value[i]
        return draft !== undefined && sameEntry(e, draft)
      })
    )
  }

  function load(config: CarouselConfig | null): void {
    dirty.value = false
    // Only current_index moved (every few seconds): keep the rows, and the focus in them.
    if (matches(config)) return
    enabled.value = config?.enabled ?? false
    fallback.value = config?.fallback ?? NO_FALLBACK
    entries.value = (config?.apps ?? []).map((e) => ({ key: nextKey++, ...draftOf(e) }))
  }

  watch(
    () => board.carousel,
    (config) => {
      if (!dirty.value) load(config)
    },
    { immediate: true },
  )

  /** The row the board shows now; only meaningful while the rows are the saved ones. */
  const runningIndex = computed(() =>
    !dirty.value && board.carousel?.enabled ? board.carousel.current_index : -1,
  )

  function edited(): void {
    dirty.value = true
  }

  function add(app: string): void {
    entries.value.push({
      key: nextKey++,
      ...draftOf({ app, duration: DEFAULT_DURATION }),
    })
    edited()
  }

  function remove(index: number): void {
    entries.value.splice(index, 1)
    edited()
  }

  function move(index: number, delta: -1 | 1): void {
    const target = index + delta
    if (target < 0 || target >= entries.value.length) return
    const list = entries.value
    ;[list[index], list[target]] = [list[target]!, list[index]!]
    edited()
  }

  function update(index: number, change: Partial<EntryDraft>): void {
    const entry = entries.value[index]
    if (entry) Object.assign(entry, change)
    edited()
  }

  function setDuration(index: number, value: number | string): void {
    update(index, { duration: value })
  }

  function setDays(index: number, days: Weekday[]): void {
    update(index, { days: [...days] })
  }

  function setWindow(index: number, from: string, until: string): void {
    update(index, { from, until })
  }

  function setTransition(index: number, transition: TransitionDraft | null): void {
    update(index, { transition: transition ? { ...transition } : null })
  }

  function setEnabled(value: boolean): void {
    enabled.value = value
    edited()
  }

  function setFallback(value: string): void {
    fallback.value = value
    edited()
  }

  async function save(): Promise<void> {
    const body = {
      enabled: enabled.value,
      apps: entries.value.map(entryOf),
      fallback: fallback.value,
    }
    if (await run(() => api.saveCarousel(body))) {
      // The saved config comes back as carousel_config; if it already came (the bridge
      // can be quicker than the api's answer) take it, else the event will.
      if (matches(board.carousel)) load(board.carousel)
      else dirty.value = false
    }
  }

  function discard(): void {
    clear()
    load(board.carousel)
  }

  return {
    enabled,
    entries,
    fallback,
    dirty,
    busy,
    error,
    runningIndex,
    add,
    remove,
    move,
    setDuration,
    setDays,
    setWindow,
    setTransition,
    setEnabled,
    setFallback,
    save,
    discard,
  }
}
