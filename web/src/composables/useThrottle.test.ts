import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttle } from './useThrottle'

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends at most five a second while dragging, and always the last value', () => {
    const sent: number[] = []
    const times: number[] = []
    const send = throttle((v: number) => {
      sent.push(v)
      times.push(Date.now())
    }, 200)
    // A one-second drag: an input event every 10 ms, values 0..99.
    for (let v = 0; v < 100; v++) {
      send(v)
      vi.advanceTimersByTime(10)
    }
    vi.advanceTimersByTime(500)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200) // ≤ 5 per second
    expect(sent[0]).toBe(0)
    expect(sent.at(-1)).toBe(99)
  })

  it('sends a lone call at once and can cancel the trailing one', () => {
    const sent: number[] = []
    const send = throttle((v: number) => sent.push(v), 200)
    send(1)
    expect(sent).toEqual([1])
    send(2)
    send.cancel()
    vi.advanceTimersByTime(1000)
    expect(sent).toEqual([1])
  })
})
