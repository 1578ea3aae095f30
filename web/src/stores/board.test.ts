import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { AppsList, AppTypes, Assets } from '../types'
import { useBoardStore } from './board'

const types: AppTypes = {
  types: {
    demo: {
      description: 'A demo app',
      schema: { type: 'object', properties: { speed: { type: 'integer' } } },
    },
    other: { description: 'Another', schema: { type: 'object', properties: {} } },
  },
}

const list: AppsList = {
  apps: ['demo', 'demo-2', 'other'],
  current: 'demo',
  instances: {
    demo: {
      type: 'demo',
      config: { speed: 2 },
      stale: false,
      error: null,
      origin: null,
      pushed_at: null,
    },
    'demo-2': {
      type: 'demo',
      config: { speed: 7 },
      stale: true,
      error: 'feed down',
      origin: null,
      pushed_at: null,
    },
    other: { type: 'other', config: {}, stale: false, error: null, origin: null, pushed_at: null },
  },
}

const library: Assets = {
  assets: [
    { name: 'cat', format: 'gif', width: 64, height: 32, frames: 12, bytes: 4096 },
    { name: 'dog', format: 'png', width: 16, height: 16, frames: 1, bytes: 300 },
  ],
  bytes: 4396,
  limit: 33554432,
}

describe('board store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('starts empty', () => {
    const board = useBoardStore()
    expect(board.loaded).toBe(false)
    expect(board.current).toBeNull()
    expect(board.brightness).toBeNull()
    expect(board.assets).toEqual([])
    expect(board.assetLimit).toBeNull()
  })

  it('takes apps_list with each instance', () => {
    const board = useBoardStore()
    board.applyAppsList(list)
    expect(board.apps).toEqual(['demo', 'demo-2', 'other'])
    expect(board.current).toBe('demo')
    expect(board.instances['demo-2']).toMatchObject({
      type: 'demo',
      stale: true,
      error: 'feed down',
    })
    expect(board.loaded).toBe(true)
  })

  it('finds an instance type once both apps_list and app_types are in', () => {
    const board = useBoardStore()
    board.applyAppsList(list)
    expect(board.typeOf('demo-2')).toBeUndefined() // the types have not arrived yet
    board.applyAppTypes(types)
    expect(board.typeOf('demo-2')?.description).toBe('A demo app')
    expect(board.typeOf('other')?.schema).toEqual({ type: 'object', properties: {} })
    expect(board.typeOf('unknown')).toBeUndefined()
  })

  it('takes assets as a copy, with the library size and limit', () => {
    const board = useBoardStore()
    board.applyAssets(library)
    expect(board.assets.map((a) => a.name)).toEqual(['cat', 'dog'])
    expect(board.assets[0]).not.toBe(library.assets[0])
    expect(board.assetBytes).toBe(4396)
    expect(board.assetLimit).toBe(33554432)
    board.applyAssets({ assets: [], bytes: 0, limit: 33554432 })
    expect(board.assets).toEqual([])
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
    board.applyAppsList(list)
    board.applyCurrentApp({ app: 'demo', config: { speed: 9 } })
    expect(board.configOf('demo')).toEqual({ speed: 9 })
    expect(board.configOf('demo-2')).toEqual({ speed: 7 })
    expect(board.configOf('other')).toEqual({})
    expect(board.configOf('unknown')).toEqual({})
  })

  it('takes settings, carousel_config and board_status', () => {
    const board = useBoardStore()
    board.applySettings({ brightness: 40, power: true })
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

  it('takes notification, as a copy, and power from settings', () => {
    const board = useBoardStore()
    expect(board.notification).toBeNull()
    const door = {
      id: 3,
      text: 'Door',
      icon: 'bell',
      duration: 8,
      repeat: -1,
      hold: true,
      wakeup: false,
    }
    const state = { current: door, queue: [{ ...door, id: 4, text: 'Post' }], length: 1 }
    board.applyNotification(state)
    expect(board.notification).toEqual(state)
    expect(board.notification?.current).not.toBe(door)
    board.applyNotification({ current: null, queue: [], length: 0 })
    expect(board.notification?.current).toBeNull()
    board.applySettings({ brightness: 40, power: false })
    expect(board.power).toBe(false)
  })

  it('keeps a custom app with where and when it was pushed', () => {
    const board = useBoardStore()
    const solar = {
      type: 'custom',
      config: { text: '42 W' },
      stale: false,
      error: null,
      origin: 'mqtt' as const,
      pushed_at: 1_700_000_000,
    }
    board.applyAppsList({ ...list, apps: [...list.apps, 'solar'], instances: { solar } })
    expect(board.apps).toContain('solar')
    expect(board.instances.solar).toMatchObject({ origin: 'mqtt', pushed_at: 1_700_000_000 })
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
    board.applyAppsList(list)
    board.applyAppTypes(types)
    board.applyAssets(library)
    board.applySettings({ brightness: 40, power: true })
    board.applyRealtime({ enabled: true, active: false, protocol: null, source: null, fps: 0 })
    board.applyNotification({ current: null, queue: [], length: 0 })
    board.reset()
    expect(board.realtime).toBeNull()
    expect(board.notification).toBeNull()
    expect(board.power).toBeNull()
    expect(board.apps).toEqual([])
    expect(board.instances).toEqual({})
    expect(board.types).toEqual({})
    expect(board.assets).toEqual([])
    expect(board.brightness).toBeNull()
    expect(board.loaded).toBe(false)
  })
})
