import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useBoardStore } from './stores/board'
import { useBoardsStore } from './stores/boards'
import { useConnectionStore } from './stores/connection'
import { FakeSocket } from './test/fakeSocket'

const fake = vi.hoisted(() => ({ socket: null as unknown, created: 0, options: null as unknown }))

vi.mock('socket.io-client', () => ({
  io: (options: Record<string, unknown>) => {
    fake.created++
    fake.options = options
    const socket = fake.socket as FakeSocket
    socket.io.opts = { ...options }
    return socket
  },
}))

const { reconnect, setPreview, startSocket, stopSocket, switchBoard } = await import('./socket')

let socket: FakeSocket
let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  setActivePinia(createPinia())
  socket = new FakeSocket()
  fake.socket = socket
  fake.created = 0
  fetchMock = vi.fn(
    async () =>
      new Response(
        JSON.stringify({
          success: true,
          boards: [
            { id: 'a', online: true },
            { id: 'b', online: false },
          ],
          total: 2,
          next: null,
        }),
      ),
  )
  vi.stubGlobal('fetch', fetchMock)
})

afterEach(() => {
  stopSocket()
  vi.unstubAllGlobals()
})

describe('socket module', () => {
  it('creates one socket, once, and connects it', () => {
    const first = startSocket(null)
    const second = startSocket('other')
    expect(first).toBe(second)
    expect(fake.created).toBe(1)
    expect(socket.connectCalls).toBe(1)
    expect(fake.options).toMatchObject({ reconnection: true, query: {} })
  })

  it('asks for the board in the handshake query', () => {
    startSocket('kitchen')
    expect(fake.options).toMatchObject({ query: { board: 'kitchen' } })
  })

  it('feeds every state event into the store', () => {
    startSocket(null)
    const board = useBoardStore()
    socket.serverAccepts()
    socket.fire('apps_list', {
      apps: ['demo'],
      current: 'demo',
      instances: { demo: { type: 'clock', config: {}, stale: false, error: null } },
    })
    socket.fire('app_types', { types: { clock: { description: 'A clock', schema: {} } } })
    socket.fire('assets', {
      assets: [{ name: 'cat', format: 'png', width: 8, height: 8, frames: 1, bytes: 90 }],
      bytes: 90,
      limit: 1000,
    })
    socket.fire('current_app', { app: 'demo', config: { speed: 3 } })
    socket.fire('settings', { brightness: 55 })
    socket.fire('carousel_config', {
      enabled: true,
      apps: [{ app: 'demo', duration: 5 }],
      current_index: 0,
    })
    socket.fire('night', {
      enabled: true,
      from: '22:30',
      until: 'sunrise-15',
      brightness: 8,
      app: null,
      active: false,
      manual: false,
    })
    socket.fire('realtime', {
      enabled: true,
      active: true,
      protocol: 'e131',
      source: '192.168.1.20',
      fps: 30,
    })
    socket.fire('notification', {
      current: {
        id: 1,
        text: 'Door',
        icon: null,
        duration: 5,
        repeat: -1,
        hold: false,
        wakeup: false,
      },
      queue: [],
      length: 0,
    })
    socket.fire('board_status', { board: 'kitchen', online: true })
    socket.fire('frame', new Uint8Array([1, 2, 3]).buffer)
    expect(board.apps).toEqual(['demo'])
    expect(board.typeOf('demo')?.description).toBe('A clock')
    expect(board.assets.map((a) => a.name)).toEqual(['cat'])
    expect(board.currentConfig).toEqual({ speed: 3 })
    expect(board.brightness).toBe(55)
    expect(board.carousel?.current_index).toBe(0)
    expect(board.night?.until).toBe('sunrise-15')
    expect(board.realtime?.source).toBe('192.168.1.20')
    expect(board.notification?.current?.text).toBe('Door')
    expect(board.boardId).toBe('kitchen')
    expect(board.frame).toBeInstanceOf(Blob)
  })

  it('registers each listener once', () => {
    startSocket(null)
    for (const event of [
      'apps_list',
      'app_types',
      'assets',
      'current_app',
      'settings',
      'carousel_config',
      'night',
      'realtime',
      'notification',
      'board_status',
      'frame',
      'connect',
      'disconnect',
    ]) {
      expect(socket.listenerCount(event), event).toBe(1)
    }
    expect(socket.io.listenerCount('reconnect_attempt')).toBe(1)
  })

  it('re-reads the board list when a board_status arrives', async () => {
    startSocket(null)
    socket.serverAccepts()
    socket.fire('board_status', { board: 'a', online: true })
    await vi.waitFor(() => expect(useBoardsStore().list).toHaveLength(2))
    expect(fetchMock).toHaveBeenCalledWith(
      '/api/boards?limit=20',
      expect.objectContaining({ method: 'GET' }),
    )
    expect(useBoardsStore().several).toBe(true)
  })

  it('reports connected, reconnecting with the attempt count, then connected again', () => {
    startSocket(null)
    const connection = useConnectionStore()
    expect(connection.status).toBe('connecting')
    socket.serverAccepts()
    expect(connection.status).toBe('connected')

    socket.drop('transport close')
    expect(connection.status).toBe('reconnecting')
    socket.io.fire('reconnect_attempt', 1)
    socket.io.fire('reconnect_attempt', 2)
    socket.io.fire('reconnect_attempt', 3)
    expect(connection.status).toBe('reconnecting')
    expect(connection.attempt).toBe(3)

    socket.serverAccepts()
    expect(connection.status).toBe('connected')
    expect(connection.attempt).toBe(0)
  })

  it('resyncs on every reconnect, not on the first connect', () => {
    startSocket(null)
    socket.serverAccepts()
    expect(socket.sentEvents('request_state')).toHaveLength(0)
    socket.drop()
    socket.serverAccepts()
    expect(socket.sentEvents('request_state')).toHaveLength(1)
    socket.drop()
    socket.serverAccepts()
    expect(socket.sentEvents('request_state')).toHaveLength(2)
  })

  it('reconnects by itself after the server closed the connection', () => {
    startSocket(null)
    socket.serverAccepts()
    const before = socket.connectCalls
    socket.drop('io server disconnect')
    expect(socket.connectCalls).toBe(before + 1)
    expect(useConnectionStore().status).toBe('reconnecting')
  })

  it('says disconnected, and why, when the server refuses the handshake', () => {
    startSocket(null)
    socket.active = false // a refusal stops the Manager's retries
    socket.fire(
      'connect_error',
      Object.assign(new Error('refused'), { data: { message: 'a valid token is required' } }),
    )
    const connection = useConnectionStore()
    expect(connection.status).toBe('disconnected')
    expect(connection.error).toBe('a valid token is required')
  })

  it('says disconnected when the Manager gives up', () => {
    startSocket(null)
    socket.io.fire('reconnect_failed')
    expect(useConnectionStore().status).toBe('disconnected')
  })

  it('subscribes to the preview only when asked, once, and again after a reconnect', () => {
    startSocket(null)
    socket.serverAccepts()
    expect(socket.sentEvents('preview')).toEqual([])
    setPreview(true)
    setPreview(true)
    expect(socket.sentEvents('preview')).toEqual([{ enabled: true }])
    socket.drop()
    socket.serverAccepts()
    expect(socket.sentEvents('preview')).toEqual([{ enabled: true }, { enabled: true }])
    setPreview(false)
    socket.drop()
    socket.serverAccepts()
    expect(socket.sentEvents('preview')).toEqual([
      { enabled: true },
      { enabled: true },
      { enabled: false },
    ])
  })

  it('follows another board on the same socket, with its state cleared', () => {
    startSocket(null)
    socket.serverAccepts()
    socket.fire('settings', { brightness: 10 })
    switchBoard('garage')
    expect(fake.created).toBe(1)
    expect(socket.io.opts.query).toEqual({ board: 'garage' })
    expect(useBoardStore().brightness).toBeNull()
    expect(useConnectionStore().status).toBe('connecting') // not "disconnected" in between
    expect(socket.connectCalls).toBe(2)
  })

  it('reconnects on demand (a token was entered)', () => {
    startSocket(null)
    socket.serverAccepts()
    reconnect()
    expect(socket.connectCalls).toBe(2)
    expect(useConnectionStore().status).toBe('connecting')
  })

  it('sends the remembered token in the handshake auth', () => {
    const storage = new Map([['retroboard.token', 's3cret']])
    vi.stubGlobal('localStorage', { getItem: (k: string) => storage.get(k) ?? null })
    startSocket(null)
    const auth = (fake.options as { auth: (cb: (data: object) => void) => void }).auth
    let sent: object = {}
    auth((data) => (sent = data))
    expect(sent).toEqual({ token: 's3cret' })
  })
})
