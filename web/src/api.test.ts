import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, setApiBoard } from './api'

function respond(status: number, body: unknown) {
  const fetchMock = vi.fn(
    async (_url: string, _init?: RequestInit) => new Response(JSON.stringify(body), { status }),
  )
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

afterEach(() => {
  vi.unstubAllGlobals()
  setApiBoard(null)
})

describe('api', () => {
  it('posts JSON to the default board', async () => {
    const fetchMock = respond(200, { success: true, app: 'demo', config: {} })
    await api.switchApp('demo')
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/switch',
      expect.objectContaining({
        method: 'POST',
        body: '{"app":"demo"}',
        headers: expect.objectContaining({ 'Content-Type': 'application/json' }),
      }),
    )
  })

  it('addresses a chosen board under /api/boards/<id>', async () => {
    const fetchMock = respond(200, { success: true, brightness: 5 })
    setApiBoard('kitchen')
    await api.setBrightness(5)
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/boards/kitchen/settings')
  })

  it('turns realtime streams on and off', async () => {
    const idle = { active: false, protocol: null, source: null, fps: 0 }
    const fetchMock = respond(200, { success: true, enabled: false, ...idle })
    setApiBoard('kitchen')
    await api.setRealtime(false)
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/boards/kitchen/realtime',
      expect.objectContaining({ method: 'POST', body: '{"enabled":false}' }),
    )
  })

  it('turns a refusal into an ApiError with the api text and details', async () => {
    respond(422, {
      success: false,
      error: 'invalid config',
      details: [{ loc: ['body', 'speed'], msg: 'Input should be less than or equal to 16' }],
    })
    const error = await api.saveConfig('demo', { speed: 99 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(422)
    expect((error as ApiError).message).toBe('invalid config')
    expect((error as ApiError).lines).toEqual(['speed: Input should be less than or equal to 16'])
  })

  it('explains a non-JSON answer and an unreachable api', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>', { status: 502, statusText: 'Bad Gateway' })),
    )
    await expect(api.stop()).rejects.toThrow('502')
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('network')
      }),
    )
    await expect(api.stop()).rejects.toMatchObject({
      status: 0,
      message: 'The api cannot be reached.',
    })
  })
})
