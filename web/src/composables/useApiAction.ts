import { ref } from 'vue'
import { ApiError } from '../api'

/** Run a REST command with a busy flag and the api's refusal kept for display. */
export function useApiAction() {
  const busy = ref(false)
  const error = ref<ApiError | null>(null)

  /** True when the api accepted; on refusal `error` holds its message and details. */
  async function run(command: () => Promise<unknown>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      await command()
      return true
    } catch (e) {
      error.value =
        e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e))
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run, clear: () => (error.value = null) }
}
