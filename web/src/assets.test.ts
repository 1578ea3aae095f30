import { describe, expect, it } from 'vitest'
import { assetSummary, assetVersion, formatBytes } from './assets'

const cat = { name: 'cat', format: 'gif' as const, width: 64, height: 32, frames: 12, bytes: 4096 }

describe('library images', () => {
  it('says sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1 KiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(200 * 1024)).toBe('200 KiB')
    expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB')
  })

  it('summarises dimensions, frames and size', () => {
    expect(assetSummary(cat)).toBe('64×32 · 12 frames · 4 KiB')
    expect(assetSummary({ ...cat, frames: 1, bytes: 300 })).toBe('64×32 · 300 B')
  })

  it('gives a replaced image another version', () => {
    expect(assetVersion(cat)).toBe(assetVersion({ ...cat }))
    expect(assetVersion(cat)).not.toBe(assetVersion({ ...cat, bytes: 4097 }))
  })
})
