import { describe, expect, it } from 'vitest'
import { realtimeStatus, streamLabel } from './realtime'
import type { Realtime } from './types'

const idle: Realtime = { enabled: true, active: false, protocol: null, source: null, fps: 0 }
const streaming: Realtime = {
  enabled: true,
  active: true,
  protocol: 'ddp',
  source: '192.168.1.40',
  fps: 59.6,
}

describe('realtime texts', () => {
  it('labels the preview while a stream owns the panel, the rate rounded', () => {
    expect(streamLabel(streaming)).toBe('Live stream from 192.168.1.40, 60 fps')
    expect(streamLabel({ ...streaming, fps: 24.4 })).toBe('Live stream from 192.168.1.40, 24 fps')
  })

  it('shows no overlay without a stream', () => {
    expect(streamLabel(null)).toBeNull()
    expect(streamLabel(idle)).toBeNull()
  })

  it('says when realtime streams are off', () => {
    expect(realtimeStatus({ ...idle, enabled: false })).toBe('Realtime streams off')
    expect(realtimeStatus(idle)).toBe('Waiting for DDP, E1.31 or Art-Net')
    expect(realtimeStatus(streaming)).toBe('Streaming now')
    expect(realtimeStatus(null)).toBeNull()
  })
})
