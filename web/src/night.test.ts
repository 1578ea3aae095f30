import { describe, expect, it } from 'vitest'
import {
  edgeText,
  formatEdge,
  nightAppText,
  nightForm,
  nightStatus,
  parseEdge,
  usesSun,
  windowText,
} from './night'
import type { Night } from './types'

const night: Night = {
  enabled: true,
  from: 'sunset+30',
  until: '07:00',
  brightness: 10,
  app: 'off',
  active: false,
  manual: false,
}

describe('night mode', () => {
  it('reads an edge into the form', () => {
    expect(parseEdge('22:30', '21:00')).toEqual({ kind: 'time', time: '22:30', offset: 0 })
    expect(parseEdge('sunset', '21:00')).toEqual({ kind: 'sunset', time: '21:00', offset: 0 })
    expect(parseEdge('sunset+30', '21:00')).toEqual({ kind: 'sunset', time: '21:00', offset: 30 })
    expect(parseEdge('sunrise-15', '06:00')).toEqual({
      kind: 'sunrise',
      time: '06:00',
      offset: -15,
    })
  })

  it('writes the form back as the api spells an edge', () => {
    expect(formatEdge({ kind: 'time', time: '22:30', offset: 45 })).toBe('22:30')
    expect(formatEdge({ kind: 'sunset', time: '22:30', offset: 0 })).toBe('sunset')
    expect(formatEdge({ kind: 'sunset', time: '', offset: '' })).toBe('sunset')
    expect(formatEdge({ kind: 'sunset', time: '', offset: 30 })).toBe('sunset+30')
    expect(formatEdge({ kind: 'sunrise', time: '', offset: -15 })).toBe('sunrise-15')
    expect(formatEdge({ kind: 'sunrise', time: '', offset: 720 })).toBe('sunrise+720')
    for (const edge of ['06:05', 'sunset', 'sunset+5', 'sunrise-720']) {
      expect(formatEdge(parseEdge(edge, '12:00'))).toBe(edge)
    }
  })

  it('says an edge in words', () => {
    expect(edgeText('22:30')).toBe('22:30')
    expect(edgeText('sunset')).toBe('sunset')
    expect(edgeText('sunset+30')).toBe('30 min after sunset')
    expect(edgeText('sunrise-15')).toBe('15 min before sunrise')
    expect(windowText(night)).toBe('30 min after sunset – 07:00')
    expect(usesSun('sunrise-15')).toBe(true)
    expect(usesSun('07:00')).toBe(false)
  })

  it('makes the form from the state, keeping the times to go back to', () => {
    const form = nightForm(night)
    expect(form).toEqual({
      enabled: true,
      from: { kind: 'sunset', time: '22:00', offset: 30 },
      until: { kind: 'time', time: '07:00', offset: 0 },
      brightness: 10,
      app: 'off',
    })
    // The user had 21:15 before picking sunset: switching back offers 21:15 again.
    const before = nightForm({ ...night, from: '21:15' })
    expect(nightForm(night, before).from).toEqual({ kind: 'sunset', time: '21:15', offset: 30 })
  })

  it('says whether it is on, and whether by hand', () => {
    expect(nightStatus(null)).toBeNull()
    expect(nightStatus(night)).toBe('Off')
    expect(nightStatus({ ...night, active: true })).toBe('On now')
    expect(nightStatus({ ...night, active: true, manual: true })).toBe('On now (by hand)')
    expect(nightStatus({ ...night, manual: true })).toBe('Off (by hand)')
  })

  it('names what shows at night', () => {
    expect(nightAppText(null)).toBe('What is showing (dimmed)')
    expect(nightAppText('off')).toBe('Nothing (dark)')
    expect(nightAppText('scroll_text')).toBe('Scroll text')
    expect(nightAppText('clock-tokyo')).toBe('clock-tokyo')
  })
})
