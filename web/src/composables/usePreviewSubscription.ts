import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { setPreview } from '../socket'

/**
 * Frames cost the board CPU and the network bandwidth, so ask for them only while the
 * preview is on screen (IntersectionObserver) and the tab is visible.
 */
export function usePreviewSubscription(target: Ref<HTMLElement | null>) {
  const onScreen = ref(false)
  const tabVisible = ref(document.visibilityState === 'visible')
  const watching = ref(false)
  let observer: IntersectionObserver | null = null

  const onVisibility = () => {
    tabVisible.value = document.visibilityState === 'visible'
  }

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility)
    if (typeof IntersectionObserver === 'undefined') {
      onScreen.value = true
    } else if (target.value) {
      observer = new IntersectionObserver((entries) => {
        onScreen.value = entries.some((e) => e.isIntersecting)
      })
      observer.observe(target.value)
    }
  })

  watch([onScreen, tabVisible], ([screen, tab]) => {
    watching.value = screen && tab
    setPreview(watching.value)
  })

  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    observer?.disconnect()
    setPreview(false)
  })

  return { watching }
}
