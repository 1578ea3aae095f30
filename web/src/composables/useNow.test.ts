import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { useNow } from './useNow'

describe('useNow', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('moves on every interval and stops with its scope', () => {
    let time = 1_000
    const scope = effectScope()
    const now = scope.run(() => useNow(10_000, () => time))!
    expect(now.value).toBe(1_000)
    time = 11_000
    vi.advanceTimersByTime(10_000)
    expect(now.value).toBe(11_000)
    scope.stop()
    time = 21_000
    vi.advanceTimersByTime(10_000)
    expect(now.value).toBe(11_000)
  })
})
