import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { useBoardStore } from './board'

const catalog = {
  demo: {
    description: 'A demo app',
    schema: { type: 'object', properties: { speed: { type: 'integer' } } },
    config: { speed: 2 },
  },
  other: { description: 'Another', schema: { type: 'object', properties: {} }, config: {} },
}

describe('board store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('starts empty', () => {
    const board = useBoardStore()
    expect(board.loaded).toBe(false)
    expect(board.current).toBeNull()
    expect(board.brightness).toBeNull()
  })

  it('takes apps_list', () => {
    const board = useBoardStore()
    board.applyAppsList({ apps: ['demo', 'other'], current: 'demo', catalog })
    expect(board.apps).toEqual(['demo', 'other'])
    expect(board.current).toBe('demo')
    expect(board.catalog.demo?.description).toBe('A demo app')
    expect(board.loaded).toBe(true)
  })

  it('takes current_app, and null when stopped', () => {
    const board = useBoardStore()
    board.applyCurrentApp({ app: 'demo', config: { speed: 5 } })
    expect(board.current).toBe('demo')
    expect(board.currentConfig).toEqual({ speed: 5 })
    board.applyCurrentApp({ app: null, config: {} })
    expect(board.current).toBeNull()
    expect(board.currentConfig).toBeNull()
  })

  it('gives the live config for the current app and the saved one for others', () => {
    const board = useBoardStore()
    board.applyAppsList({ apps: ['demo', 'other'], current: 'demo', catalog })
    board.applyCurrentApp({ app: 'demo', config: { speed: 9 } })
    expect(board.configOf('demo')).toEqual({ speed: 9 })
    expect(board.configOf('other')).toEqual({})
    expect(board.configOf('unknown')).toEqual({})
  })

  it('takes settings, carousel_config and board_status', () => {
    const board = useBoardStore()
    board.applySettings({ brightness: 40 })
    const carousel = { enabled: true, apps: [{ app: 'demo', duration: 5 }], current_index: 0 }
    board.applyCarousel(carousel)
    board.applyBoardStatus({ board: 'kitchen', online: false })
    expect(board.brightness).toBe(40)
    expect(board.carousel).toEqual(carousel)
    expect(board.carousel).not.toBe(carousel) // a copy: editing it cannot touch the event payload
    expect(board.boardId).toBe('kitchen')
    expect(board.online).toBe(false)
  })

  it('takes realtime, as a copy', () => {
    const board = useBoardStore()
    expect(board.realtime).toBeNull()
    const stream = {
      enabled: true,
      active: true,
      protocol: 'ddp' as const,
      source: '10.0.0.5',
      fps: 59.6,
    }
    board.applyRealtime(stream)
    expect(board.realtime).toEqual(stream)
    expect(board.realtime).not.toBe(stream)
    board.applyRealtime({ enabled: false, active: false, protocol: null, source: null, fps: 0 })
    expect(board.realtime?.enabled).toBe(false)
    expect(board.realtime?.active).toBe(false)
  })

  it('wraps a binary frame into a PNG blob', async () => {
    const board = useBoardStore()
    board.applyFrame(new Uint8Array([137, 80, 78, 71]).buffer)
    expect(board.frame).toBeInstanceOf(Blob)
    expect(board.frame?.type).toBe('image/png')
    expect(new Uint8Array(await board.frame!.arrayBuffer())[1]).toBe(80)
  })

  it('forgets everything on reset', () => {
    const board = useBoardStore()
    board.applyAppsList({ apps: ['demo'], current: 'demo', catalog })
    board.applySettings({ brightness: 40 })
    board.applyRealtime({ enabled: true, active: false, protocol: null, source: null, fps: 0 })
    board.reset()
    expect(board.realtime).toBeNull()
    expect(board.apps).toEqual([])
    expect(board.brightness).toBeNull()
    expect(board.loaded).toBe(false)
  })
})
