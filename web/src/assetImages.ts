// Library images as object URLs. The api may want a bearer token on every read, which an
// <img src> cannot send: the bytes are fetched with it and shown from a blob: URL (an
// animated GIF or WebP still animates). One fetch per image version, shared by every
// thumbnail of it; the URLs of images gone from the library are freed.
import { api, assetPath } from './api'
import { assetVersion } from './assets'
import type { AssetInfo } from './types'

const urls = new Map<string, Promise<string>>()

function keyOf(asset: AssetInfo): string {
  return `${assetPath(asset.name)}|${assetVersion(asset)}`
}

/** A blob: URL showing `asset` (rejects with the api's ApiError when it cannot be read). */
export function assetImageUrl(asset: AssetInfo): Promise<string> {
  const key = keyOf(asset)
  let url = urls.get(key)
  if (!url) {
    url = api.assetImage(asset.name).then((blob) => URL.createObjectURL(blob))
    url.catch(() => urls.delete(key)) // a failed read is tried again next time
    urls.set(key, url)
  }
  return url
}

/** Free the URLs of images (and versions) that are not in `assets` any more. */
export function keepAssetImages(assets: AssetInfo[]): void {
  const keep = new Set(assets.map(keyOf))
  for (const [key, url] of urls) {
    if (keep.has(key)) continue
    urls.delete(key)
    url.then(URL.revokeObjectURL, () => undefined)
  }
}
