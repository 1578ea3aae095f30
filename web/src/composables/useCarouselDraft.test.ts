import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { ApiError } from '../api'
import { useBoardStore } from '../stores/board'
import type { CarouselConfig } from '../types'
import { useCarouselDraft } from './useCarouselDraft'

const saveCarousel = vi.hoisted(() => vi.fn())
vi.mock('../api', async (original) => ({
  ...(await original<typeof import('../api')>()),
  api: { saveCarousel },
}))

const saved: CarouselConfig = {
  enabled: true,
  apps: [
    { app: 'clock', duration: 10 },
    { app: 'stars', duration: 20, days: ['sat', 'sun'], from: '22:00', until: '02:00' },
  ],
  current_index: 0,
  fallback: 'off',
}

function setup() {
  const board = useBoardStore()
  board.applyCarousel(saved)
  const draft = effectScope().run(() => useCarouselDraft())!
  return { board, draft }
}

describe('useCarouselDraft', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    saveCarousel.mockReset()
  })

  it("loads the board's entries with their schedules", () => {
    const { draft } = setup()
    expect(draft.entries.value.map(({ key: _key, ...entry }) => entry)).toEqual([
      { app: 'clock', duration: 10, days: [], from: '', until: '', transition: null },
      {
        app: 'stars',
        duration: 20,
        days: ['sat', 'sun'],
        from: '22:00',
        until: '02:00',
        transition: null,
      },
    ])
    expect(draft.fallback.value).toBe('off')
    expect(draft.dirty.value).toBe(false)
  })

  it('keeps the rows when only the running position moves', async () => {
    const { board, draft } = setup()
    const rows = draft.entries.value
    board.applyCarousel({ ...saved, current_index: 1 })
    await nextTick()
    expect(draft.entries.value).toBe(rows)
    expect(draft.runningIndex.value).toBe(1)
  })

  it('sends the whole carousel: schedules, transitions and the fallback', async () => {
    saveCarousel.mockResolvedValue({})
    const { draft } = setup()
    draft.setDays(0, ['mon', 'tue', 'wed', 'thu', 'fri'])
    draft.setWindow(0, '07:00', '09:00')
    draft.setTransition(0, { type: 'slide', direction: 'up', duration: 300 })
    draft.setWindow(1, '', '') // all day again
    draft.setDays(1, [])
    draft.setFallback('clock')
    expect(draft.dirty.value).toBe(true)
    expect(draft.runningIndex.value).toBe(-1)
    await draft.save()
    expect(saveCarousel).toHaveBeenCalledWith({
      enabled: true,
      apps: [
        {
          app: 'clock',
          duration: 10,
          transition: { type: 'slide', direction: 'up', duration: 300 },
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          from: '07:00',
          until: '09:00',
        },
        { app: 'stars', duration: 20 },
      ],
      fallback: 'clock',
    })
    expect(draft.dirty.value).toBe(false)
  })

  it('keeps the edit after a refusal, and follows the board again once it is saved', async () => {
    saveCarousel.mockRejectedValueOnce(
      new ApiError(422, 'apps.0: until must differ from from', [
        { loc: ['apps', 0], msg: 'until must differ from from' },
      ]),
    )
    const { board, draft } = setup()
    draft.setWindow(0, '08:00', '08:00')
    await draft.save()
    expect(draft.error.value?.status).toBe(422)
    expect(draft.dirty.value).toBe(true)
    board.applyCarousel({ ...saved, current_index: 1 })
    await nextTick()
    expect(draft.entries.value[0]?.from).toBe('08:00') // another event does not undo it

    saveCarousel.mockResolvedValueOnce({})
    draft.setWindow(0, '08:00', '09:00')
    await draft.save()
    expect(draft.error.value).toBeNull()
    const apps = [{ ...saved.apps[0]!, from: '08:00', until: '09:00' }, saved.apps[1]!]
    board.applyCarousel({ ...saved, apps })
    await nextTick()
    expect(draft.entries.value[0]).toMatchObject({ from: '08:00', until: '09:00' })
    expect(draft.dirty.value).toBe(false)
  })

  it('adds a plain entry and discards edits back to the board', () => {
    const { draft } = setup()
    draft.add('stars')
    expect(draft.entries.value[2]).toMatchObject({ app: 'stars', duration: 10, days: [] })
    draft.setFallback('stars')
    draft.discard()
    expect(draft.entries.value).toHaveLength(2)
    expect(draft.fallback.value).toBe('off')
    expect(draft.dirty.value).toBe(false)
  })
})
