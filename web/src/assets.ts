// What the dashboard says about library images. Pure functions.
import type { AssetInfo } from './types'

/** 300 → "300 B", 4096 → "4.0 KiB", 33554432 → "32 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 'B'
  for (const next of units) {
    if (value < 1024) break
    value /= 1024
    unit = next
  }
  return `${value < 10 && !Number.isInteger(value) ? value.toFixed(1) : Math.round(value)} ${unit}`
}

/** "64×32 · 12 frames · 4.0 KiB" (a still image: no frame count). */
export function assetSummary(asset: AssetInfo): string {
  const parts = [`${asset.width}×${asset.height}`]
  if (asset.frames > 1) parts.push(`${asset.frames} frames`)
  parts.push(formatBytes(asset.bytes))
  return parts.join(' · ')
}

/** A version of an image's bytes: a replaced image (same name) differs in one of these. */
export function assetVersion(asset: AssetInfo): string {
  return [asset.name, asset.format, asset.width, asset.height, asset.frames, asset.bytes].join(':')
}
