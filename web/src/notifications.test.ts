import { describe, expect, it } from 'vitest'
import {
  draftProblem,
  emptyDraft,
  isCustom,
  notificationLabel,
  notifyBody,
  originLabel,
  relativeTime,
  staysFor,
} from './notifications'
import type { InstanceInfo, NotificationInfo } from './types'

const info: NotificationInfo = {
  id: 1,
  text: 'Door',
  icon: null,
  duration: 8,
  repeat: -1,
  hold: false,
  wakeup: false,
}

const instance: InstanceInfo = {
  type: 'clock',
  config: {},
  stale: false,
  error: null,
  origin: null,
  pushed_at: null,
}

describe('the composer', () => {
  it('sends what was given, the colour as #RRGGBB', () => {
    const draft = { ...emptyDraft(), text: '  Door ', icon: 'bell', color: '#ff0000', duration: 8 }
    expect(notifyBody(draft)).toEqual({ text: 'Door', icon: 'bell', color: '#FF0000', duration: 8 })
    expect(notifyBody({ ...draft, hold: true, icon: '', duration: null })).toEqual({
      text: 'Door',
      color: '#FF0000',
      hold: true,
    })
  })

  it('wants a text or an icon, and a duration in range', () => {
    expect(draftProblem(emptyDraft())).toBe('Write a text or pick an icon.')
    expect(draftProblem({ ...emptyDraft(), icon: 'bell' })).toBeNull()
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: 0 })).toMatch(/at least 1/)
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: 2.5 })).toMatch(/whole number/)
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: Number.NaN })).toMatch(/whole/)
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: 86_401 })).toMatch(/at most/)
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: 86_400 })).toBeNull()
    expect(draftProblem({ ...emptyDraft(), text: 'x', duration: null })).toBeNull()
  })
})

describe('notifications', () => {
  it('say how long they stay', () => {
    expect(staysFor(info)).toBe('8 s')
    expect(staysFor({ ...info, duration: 2.5 })).toBe('2.5 s')
    expect(staysFor({ ...info, repeat: 1 })).toBe('1 pass')
    expect(staysFor({ ...info, repeat: 3 })).toBe('3 passes')
    expect(staysFor({ ...info, hold: true })).toBe('until dismissed')
  })

  it('are named by their text, else their icon', () => {
    expect(notificationLabel(info)).toBe('Door')
    expect(notificationLabel({ ...info, text: '', icon: 'bell' })).toBe('(bell)')
    expect(notificationLabel({ ...info, text: '' })).toBe('(no text)')
  })
})

describe('custom apps', () => {
  it('are told apart from created instances', () => {
    expect(isCustom(instance)).toBe(false)
    expect(isCustom(undefined)).toBe(false)
    expect(isCustom({ ...instance, type: 'custom' })).toBe(true)
    expect(isCustom({ ...instance, type: 'custom', origin: 'awtrix', pushed_at: 5 })).toBe(true)
  })

  it('say where they came from', () => {
    expect(originLabel('api', 'solar')).toBe('pushed over REST/Socket.IO')
    expect(originLabel('mqtt', 'solar')).toBe('MQTT cmd/custom/solar')
    expect(originLabel('awtrix', 'solar')).toBe('AWTRIX topic …/custom/solar')
    expect(originLabel(null, 'solar')).toBe('custom app')
  })

  it('say when they were pushed, against the given clock', () => {
    const now = 1_700_000_000_000
    const at = now / 1000
    expect(relativeTime(at, now)).toBe('just now')
    expect(relativeTime(at + 3, now)).toBe('just now') // the board's clock is a bit ahead
    expect(relativeTime(at - 42, now)).toBe('42 s ago')
    expect(relativeTime(at - 150, now)).toBe('2 min ago')
    expect(relativeTime(at - 3 * 3600, now)).toBe('3 h ago')
    expect(relativeTime(at - 86400, now)).toBe('1 day ago')
    expect(relativeTime(at - 5 * 86400, now)).toBe('5 days ago')
  })
})
