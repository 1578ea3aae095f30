import { onScopeDispose, ref, type Ref } from 'vue'

/**
 * The time (milliseconds since the epoch), refreshed every `ms`, so texts such as
 * "2 min ago" age while the page stays open. The timer stops with the component (or
 * effect scope) that asked; `clock` is the source of time (tests pass their own).
 */
export function useNow(ms = 10_000, clock: () => number = Date.now): Ref<number> {
  const now = ref(clock())
  const timer = setInterval(() => (now.value = clock()), ms)
  onScopeDispose(() => clearInterval(timer))
  return now
}
