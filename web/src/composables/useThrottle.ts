import { onScopeDispose } from 'vue'

export interface Throttled<A extends unknown[]> {
  (...args: A): void
  /** Drop a pending trailing call. */
  cancel(): void
}

/**
 * Call `fn` at most once per `ms`: the first call goes at once, later ones within the
 * window collapse into one trailing call with the latest arguments, so the last value
 * of a drag is always sent.
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): Throttled<A> {
  let last = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null
  let pending: A | null = null

  const run = (args: A) => {
    last = Date.now()
    fn(...args)
  }
  const throttled = (...args: A) => {
    const wait = last + ms - Date.now()
    if (wait <= 0 && !timer) {
      run(args)
      return
    }
    pending = args
    timer ??= setTimeout(
      () => {
        timer = null
        if (pending) {
          const next = pending
          pending = null
          run(next)
        }
      },
      Math.max(wait, 0),
    )
  }
  throttled.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    pending = null
  }
  return throttled
}

/** `throttle` bound to the component: a pending call is dropped when it unmounts. */
export function useThrottle<A extends unknown[]>(
  fn: (...args: A) => void,
  ms: number,
): Throttled<A> {
  const throttled = throttle(fn, ms)
  onScopeDispose(throttled.cancel)
  return throttled
}
