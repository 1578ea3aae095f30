import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { AppsList, AppTypes, Assets, CarouselConfig, Settings } from '../types'
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
    board.applySettings({ brightness: 40, power: true, latitude: null, longitude: null })
    const carousel = {
      enabled: true,
      apps: [{ app: 'demo', duration: 5 }],
      current_index: 0,
      fallback: 'off',
    }
    board.applyCarousel(carousel)
    board.applyBoardStatus({ board: 'kitchen', online: false })
    expect(board.brightness).toBe(40)
    expect(board.carousel).toEqual(carousel)
    expect(board.carousel).not.toBe(carousel) // a copy: editing it cannot touch the event payload
    expect(board.boardId).toBe('kitchen')
    expect(board.online).toBe(false)
  })

  it('takes the transition and the location from settings', () => {
    const board = useBoardStore()
    const transition = { type: 'slide' as const, direction: 'up' as const, duration: 300 }
    board.applySettings({
      brightness: 40,
      power: true,
      transition,
      latitude: 52.5,
      longitude: 13.4,
    })
    expect(board.transition).toEqual(transition)
    expect(board.transition).not.toBe(transition)
    expect([board.latitude, board.longitude]).toEqual([52.5, 13.4])
    expect(board.located).toBe(true)
    // An older renderer says neither: no transition offered, no location.
    board.applySettings({ brightness: 40 } as Settings)
    expect(board.transition).toBeNull()
    expect(board.latitude).toBeNull()
    expect(board.located).toBe(false)
    expect(board.power).toBe(true)
  })

  it('takes carousel entries with their schedules, as copies', () => {
    const board = useBoardStore()
    const entry = {
      app: 'demo',
      duration: 5,
      days: ['mon' as const, 'tue' as const],
      from: '22:00',
      until: '02:00',
      transition: { type: 'fade' as const, direction: 'left' as const, duration: 200 },
    }
    board.applyCarousel({ enabled: true, apps: [entry], current_index: 0, fallback: 'demo' })
    expect(board.carousel?.apps[0]).toEqual(entry)
    expect(board.carousel?.apps[0]?.days).not.toBe(entry.days)
    expect(board.carousel?.apps[0]?.transition).not.toBe(entry.transition)
    expect(board.carousel?.fallback).toBe('demo')
    // A plain entry stays plain (no keys added), and an older renderer's fallback is "off".
    board.applyCarousel({
      enabled: false,
      apps: [{ app: 'demo', duration: 5 }],
      current_index: 0,
    } as CarouselConfig)
    expect(board.carousel?.apps[0]).toEqual({ app: 'demo', duration: 5 })
    expect(Object.keys(board.carousel?.apps[0] ?? {})).toEqual(['app', 'duration'])
    expect(board.carousel?.fallback).toBe('off')
  })

  it('takes night, as a copy', () => {
    const board = useBoardStore()
    expect(board.night).toBeNull()
    const night = {
      enabled: true,
      from: 'sunset+30',
      until: '07:00',
      brightness: 5,
      app: 'off',
      active: true,
      manual: false,
    }
    board.applyNight(night)
    expect(board.night).toEqual(night)
    expect(board.night).not.toBe(night)
    board.reset()
    expect(board.night).toBeNull()
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
    board.applySettings({ brightness: 40, power: false, latitude: null, longitude: null })
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
    board.applySettings({ brightness: 40, power: true, latitude: null, longitude: null })
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
