// What the dashboard says about pixel streams (DDP, E1.31, Art-Net), from `realtime`.
import type { Realtime } from './types'

/** The preview's overlay while a stream owns the panel, else null. */
export function streamLabel(realtime: Realtime | null): string | null {
  if (!realtime?.active) return null
  const source = realtime.source ?? 'an unknown sender'
  return `Live stream from ${source}, ${Math.round(realtime.fps)} fps`
}

/** The line beside the on/off switch; null until the board has said. */
export function realtimeStatus(realtime: Realtime | null): string | null {
  if (!realtime) return null
  if (!realtime.enabled) return 'Realtime streams off'
  return realtime.active ? 'Streaming now' : 'Waiting for DDP, E1.31 or Art-Net'
}
