import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PAGE_SIZE, SEARCH_MS, step, useBoardsStore } from './boards'

/** A fake api over `ids`: answers GET /api/boards?prefix&limit as the real one pages. */
function fleetApi(ids: string[]) {
  const sorted = [...ids].sort()
  const fetchMock = vi.fn(async (url: string, _init?: RequestInit) => {
    const params = new URL(url, 'http://api').searchParams
    const prefix = params.get('prefix') ?? ''
    const limit = Number(params.get('limit') ?? 100)
    const matching = sorted.filter((id) => id.startsWith(prefix))
    const boards = matching
      .slice(0, limit)
      .map((id) => ({ id, online: !id.endsWith('0'), last_seen: null }))
    const next = matching.length > limit ? (boards.at(-1)?.id ?? null) : null
    const body = { success: true, boards, total: matching.length, next }
    return new Response(JSON.stringify(body))
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

const urls = (fetchMock: ReturnType<typeof fleetApi>) => fetchMock.mock.calls.map((c) => c[0])
const FLEET = Array.from({ length: 10_000 }, (_, n) => `board-${String(n).padStart(5, '0')}`)

describe('boards store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('reads one page of a big fleet, never the whole list', async () => {
    const fetchMock = fleetApi(FLEET)
    const boards = useBoardsStore()
    await boards.refresh()
    expect(urls(fetchMock)).toEqual([`/api/boards?limit=${PAGE_SIZE}`])
    expect(boards.list).toHaveLength(PAGE_SIZE)
    expect(boards.list[0]?.id).toBe('board-00000')
    expect(boards.total).toBe(10_000)
    expect(boards.more).toBe(10_000 - PAGE_SIZE)
    expect(boards.several).toBe(true)
  })

  it('is not several with only the default board', async () => {
    fleetApi(['test'])
    const boards = useBoardsStore()
    await boards.refresh()
    expect(boards.list.map((b) => b.id)).toEqual(['test'])
    expect(boards.several).toBe(false)
    expect(boards.more).toBe(0)
  })

  it('searches by prefix, throttled while typing, and stays several on one match', async () => {
    vi.useFakeTimers()
    const fetchMock = fleetApi(FLEET)
    const boards = useBoardsStore()
    await boards.refresh()
    for (const text of ['b', 'bo', 'boa', 'board-0999', 'board-09998']) boards.search(text)
    await vi.advanceTimersByTimeAsync(SEARCH_MS)
    // The first keystroke at once, the rest collapsed into the last text.
    expect(urls(fetchMock).slice(1)).toEqual([
      `/api/boards?prefix=b&limit=${PAGE_SIZE}`,
      `/api/boards?prefix=board-09998&limit=${PAGE_SIZE}`,
    ])
    expect(boards.list.map((b) => b.id)).toEqual(['board-09998'])
    expect(boards.total).toBe(1)
    expect(boards.several).toBe(true) // the fleet did not shrink, the search did
  })

  it('refreshes the current search, not the whole list, on a board_status', async () => {
    const fetchMock = fleetApi(FLEET)
    const boards = useBoardsStore()
    await boards.refresh()
    boards.search('board-0420')
    await vi.waitFor(() => expect(boards.total).toBe(10))
    await Promise.all([boards.refresh(), boards.refresh()]) // shared: one request
    expect(urls(fetchMock).at(-1)).toBe(`/api/boards?prefix=board-0420&limit=${PAGE_SIZE}`)
    expect(fetchMock).toHaveBeenCalledTimes(3)
    expect(boards.list.map((b) => b.id)).toContain('board-04209')
  })

  it('drops the answer to an older search that arrives last', async () => {
    const answers: Array<(body: unknown) => void> = []
    vi.stubGlobal(
      'fetch',
      vi.fn(
        () =>
          new Promise<Response>((resolve) =>
            answers.push((body) => resolve(new Response(JSON.stringify(body)))),
          ),
      ),
    )
    const boards = useBoardsStore()
    const old = boards.refresh()
    boards.search('k')
    await vi.waitFor(() => expect(answers).toHaveLength(2))
    const kitchen = { id: 'kitchen', online: true, last_seen: null }
    answers[1]!({ success: true, boards: [kitchen], total: 1, next: null })
    const every = [{ id: 'hall', online: true, last_seen: null }, kitchen]
    answers[0]!({ success: true, boards: every, total: 2, next: null })
    await old
    expect(boards.list.map((b) => b.id)).toEqual(['kitchen'])
  })

  it('keeps the last page when the api is away', async () => {
    fleetApi(['a', 'b'])
    const boards = useBoardsStore()
    await boards.refresh()
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('offline')))
    await boards.refresh()
    expect(boards.list.map((b) => b.id)).toEqual(['a', 'b'])
    expect(boards.several).toBe(true)
  })
})

describe('picker keys', () => {
  it('moves through the options, wrapping, from nothing highlighted', () => {
    expect(step(-1, 1, 3)).toBe(0)
    expect(step(-1, -1, 3)).toBe(2)
    expect(step(0, 1, 3)).toBe(1)
    expect(step(2, 1, 3)).toBe(0)
    expect(step(0, -1, 3)).toBe(2)
    expect(step(-1, 1, 0)).toBe(-1)
  })
})
