import { describe, expect, it } from 'vitest'
import { hasDirection, sameTransition, transitionLabel, transitionOf } from './transitions'

describe('transitions', () => {
  it('gives only slide and wipe a direction', () => {
    expect(
      ['none', 'fade', 'slide', 'wipe', 'pixelate', 'random'].filter((t) =>
        hasDirection(t as never),
      ),
    ).toEqual(['slide', 'wipe'])
  })

  it('names a transition', () => {
    expect(transitionLabel({ type: 'none', direction: 'left', duration: 500 })).toBe('None')
    expect(transitionLabel({ type: 'fade', direction: 'left', duration: 500 })).toBe('Fade, 500 ms')
    expect(transitionLabel({ type: 'wipe', direction: 'down', duration: 80 })).toBe(
      'Wipe down, 80 ms',
    )
    expect(transitionLabel({ type: 'random', direction: 'up', duration: 1000 })).toBe(
      'Random, 1000 ms',
    )
  })

  it('sends a typed duration as typed, and compares "500" as 500', () => {
    expect(transitionOf({ type: 'fade', direction: 'left', duration: '' })).toEqual({
      type: 'fade',
      direction: 'left',
      duration: '',
    })
    const fade = { type: 'fade' as const, direction: 'left' as const, duration: 500 }
    expect(sameTransition(fade, { ...fade, duration: '500' })).toBe(true)
    expect(sameTransition(fade, { ...fade, direction: 'up' })).toBe(false)
    expect(sameTransition(fade, null)).toBe(false)
    expect(sameTransition(null, undefined)).toBe(true)
  })
})
