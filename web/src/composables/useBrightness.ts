import { computed, ref, watch } from 'vue'
import { api } from '../api'
import { useBoardStore } from '../stores/board'
import { useApiAction } from './useApiAction'
import { useThrottle } from './useThrottle'

/** At most five requests a second while dragging; the last position is always sent. */
export const BRIGHTNESS_INTERVAL_MS = 200

/**
 * The brightness slider's value: the user's while dragging or while the board has not
 * confirmed it yet, else the server's. A refusal snaps back to the server's value.
 */
export function useBrightness() {
  const board = useBoardStore()
  const local = ref<number | null>(null)
  const dragging = ref(false)
  let pending = 0
  const { error, run } = useApiAction()

  const value = computed(() => local.value ?? board.brightness ?? 0)

  const send = useThrottle(async (level: number) => {
    pending++
    const ok = await run(() => api.setBrightness(level))
    pending--
    if (!ok) {
      local.value = null // revert to the server's value
      return
    }
    if (!dragging.value && pending === 0 && board.brightness === local.value) local.value = null
  }, BRIGHTNESS_INTERVAL_MS)

  // The confirmation (or another client's change) arrived: show the server's value again.
  watch(
    () => board.brightness,
    () => {
      if (!dragging.value && pending === 0) local.value = null
    },
  )

  function input(level: number): void {
    dragging.value = true
    local.value = level
    send(level)
  }

  function commit(): void {
    dragging.value = false
    if (pending === 0 && local.value === board.brightness) local.value = null
  }

  return { value, error, input, commit }
}
