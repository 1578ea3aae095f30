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

  it('sets the transition, the location and night mode', async () => {
    const fetchMock = respond(200, { success: true })
    await api.setTransition({ type: 'wipe', direction: 'down', duration: 700 })
    await api.setLocation(52.52, 13.4)
    await api.setLocation(null, null)
    await api.setNight({ from: 'sunset+30', brightness: 5 })
    await api.setNight({ active: true })
    const sent = fetchMock.mock.calls.map(([url, init]) => [url, init?.body])
    expect(sent).toEqual([
      ['/api/settings', '{"transition":{"type":"wipe","direction":"down","duration":700}}'],
      ['/api/settings', '{"latitude":52.52,"longitude":13.4}'],
      ['/api/settings', '{"latitude":null,"longitude":null}'],
      ['/api/night', '{"from":"sunset+30","brightness":5}'],
      ['/api/night', '{"active":true}'],
    ])
  })

  it("names the fields of a refusal's details", async () => {
    respond(409, {
      success: false,
      error: 'a window by the sun needs latitude and longitude in the settings',
      details: [{ loc: ['from'], msg: 'needs latitude and longitude' }],
    })
    const refusal = await api.setNight({ from: 'sunset' }).catch((e: unknown) => e)
    expect(refusal).toBeInstanceOf(ApiError)
    expect((refusal as ApiError).status).toBe(409)
    expect((refusal as ApiError).fields).toEqual(['from'])
    const nested = new ApiError(422, 'bad', [
      { loc: ['body', 'apps', 2, 'until'], msg: 'bad time' },
      { loc: ['body', 'transition', 'duration'], msg: 'too long' },
    ])
    expect(nested.fields).toEqual(['apps', 'until', 'transition', 'duration'])
  })

  it('sends and dismisses notifications', async () => {
    const fetchMock = respond(200, { success: true, current: null, queue: [], length: 0 })
    setApiBoard('kitchen')
    await api.notify({ text: 'Door', icon: 'bell', color: '#FF0000', duration: 8, hold: true })
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/boards/kitchen/notify',
      expect.objectContaining({
        method: 'POST',
        body: '{"text":"Door","icon":"bell","color":"#FF0000","duration":8,"hold":true}',
      }),
    )
    await api.dismiss()
    expect(fetchMock).toHaveBeenLastCalledWith(
      '/api/boards/kitchen/notify/dismiss',
      expect.objectContaining({ method: 'POST', body: '{}' }),
    )
  })

  it('keeps the status of a full queue', async () => {
    respond(429, { success: false, error: 'queue_full: 20 notifications wait', details: [] })
    const refused = await api.notify({ text: 'One more' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({ status: 429, message: 'queue_full: 20 notifications wait' })
  })

  it('adds and deletes app instances', async () => {
    const fetchMock = respond(201, { success: true, id: 'clock-2', type: 'clock', config: {} })
    setApiBoard('kitchen')
    await api.createApp({ id: 'clock-2', type: 'clock', config: { font: '6x10' } })
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/boards/kitchen/apps',
      expect.objectContaining({
        method: 'POST',
        body: '{"id":"clock-2","type":"clock","config":{"font":"6x10"}}',
      }),
    )
    await api.deleteApp('clock-2')
    expect(fetchMock.mock.calls[1]?.[0]).toBe('/api/boards/kitchen/apps/clock-2')
    expect(fetchMock.mock.calls[1]?.[1]).toMatchObject({ method: 'DELETE' })
  })

  it('uploads an image as multipart with its name, the browser setting the boundary', async () => {
    const fetchMock = respond(201, { success: true, name: 'cat', format: 'png' })
    const file = new File([new Uint8Array([137, 80])], 'Cat.png', { type: 'image/png' })
    await api.uploadAsset(file, 'cat')
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/assets')
    const form = init?.body as FormData
    expect(form).toBeInstanceOf(FormData)
    expect((form.get('file') as File).name).toBe('Cat.png')
    expect(form.get('name')).toBe('cat')
    expect(init?.headers).not.toHaveProperty('Content-Type')
    await api.uploadAsset(file)
    expect((fetchMock.mock.calls[1]?.[1]?.body as FormData).has('name')).toBe(false)
  })

  it('reads a library image with the token', async () => {
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => (key === 'retroboard.token' ? 's3cret' : null),
    })
    const fetchMock = vi.fn(
      async () =>
        new Response(new Uint8Array([71, 73, 70]), { headers: { 'Content-Type': 'image/gif' } }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const blob = await api.assetImage('cat')
    expect(blob.type).toBe('image/gif')
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/assets/cat',
      expect.objectContaining({
        headers: expect.objectContaining({ Authorization: 'Bearer s3cret' }),
      }),
    )
  })

  it('explains why a library image cannot be deleted', async () => {
    respond(409, { success: false, error: 'cat is used by: pic', details: [] })
    await expect(api.deleteAsset('cat')).rejects.toMatchObject({
      status: 409,
      message: 'cat is used by: pic',
    })
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
