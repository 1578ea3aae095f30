import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { ApiError } from '../api'
import { useBoardStore } from '../stores/board'
import { useBrightness } from './useBrightness'

const setBrightness = vi.hoisted(() => vi.fn())
vi.mock('../api', async (original) => ({
  ...(await original<typeof import('../api')>()),
  api: { setBrightness },
}))

function setup() {
  const scope = effectScope()
  const slider = scope.run(() => useBrightness())!
  return { slider, scope }
}

describe('useBrightness', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
    setBrightness.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('shows the server value until the user drags', () => {
    const board = useBoardStore()
    const { slider } = setup()
    board.applySettings({ brightness: 70, power: true, latitude: null, longitude: null })
    expect(slider.value.value).toBe(70)
    slider.input(20)
    expect(slider.value.value).toBe(20)
  })

  it('sends at most five requests a second while dragging, the last value included', async () => {
    const times: number[] = []
    setBrightness.mockImplementation(async () => times.push(Date.now()))
    useBoardStore().applySettings({ brightness: 50, power: true, latitude: null, longitude: null })
    const { slider } = setup()
    for (let level = 0; level <= 100; level++) {
      slider.input(level)
      await vi.advanceTimersByTimeAsync(10) // a one-second drag
    }
    slider.commit()
    await vi.advanceTimersByTimeAsync(500)
    const sent = setBrightness.mock.calls.map(([level]) => level as number)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200) // ≤ 5 per second
    expect(sent.length).toBeGreaterThan(3) // live while dragging, not only at the end
    expect(sent.at(-1)).toBe(100)
  })

  it('snaps back to the server value and shows why when the api refuses', async () => {
    setBrightness.mockRejectedValue(new ApiError(503, 'renderer of board test is offline'))
    useBoardStore().applySettings({ brightness: 40, power: true, latitude: null, longitude: null })
    const { slider } = setup()
    slider.input(90)
    slider.commit()
    await vi.advanceTimersByTimeAsync(0)
    expect(slider.value.value).toBe(40)
    expect(slider.error.value?.message).toBe('renderer of board test is offline')
  })

  it('keeps the dragged value until the board confirms it', async () => {
    let resolve: (v: unknown) => void = () => {}
    setBrightness.mockImplementation(() => new Promise((r) => (resolve = r)))
    const board = useBoardStore()
    board.applySettings({ brightness: 40, power: true, latitude: null, longitude: null })
    const { slider } = setup()
    slider.input(60)
    slider.commit()
    resolve({ success: true })
    await vi.advanceTimersByTimeAsync(0)
    expect(slider.value.value).toBe(60) // not back to 40 while the event is on its way
    board.applySettings({ brightness: 60, power: true, latitude: null, longitude: null })
    expect(slider.value.value).toBe(60)
    board.applySettings({ brightness: 10, power: true, latitude: null, longitude: null }) // someone else moved it later
    await vi.advanceTimersByTimeAsync(0)
    expect(slider.value.value).toBe(10)
  })
})
