import { ref, watch, type Ref } from 'vue'
import type { ApiError } from '../api'
import { assetImageUrl } from '../assetImages'
import { assetVersion } from '../assets'
import type { AssetInfo } from '../types'

/** The displayable URL of a library image (null while loading or without one). */
export function useAssetImage(asset: Ref<AssetInfo | null | undefined>) {
  const src = ref<string | null>(null)
  const error = ref<ApiError | null>(null)

  watch(
    () => (asset.value ? assetVersion(asset.value) : null),
    async (version) => {
      const wanted = asset.value
      error.value = null
      if (!wanted || !version) {
        src.value = null
        return
      }
      try {
        const url = await assetImageUrl(wanted)
        // Another image may have been picked while this one loaded.
        if (asset.value && assetVersion(asset.value) === version) src.value = url
      } catch (e) {
        error.value = e as ApiError
      }
    },
    { immediate: true },
  )

  return { src, error }
}
