import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ConnectionStatus } from '../types'

/** The socket's link to the api, as the socket module reports it. */
export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('connecting')
  /** Reconnection attempt in progress (from the Manager's reconnect_attempt), 0 when connected. */
  const attempt = ref(0)
  /** Why the last connection failed, when the server said (e.g. a refused token). */
  const error = ref<string | null>(null)

  function setStatus(next: ConnectionStatus, nextAttempt = attempt.value): void {
    status.value = next
    attempt.value = next === 'connected' ? 0 : nextAttempt
    if (next === 'connected') error.value = null
  }

  function setError(message: string | null): void {
    error.value = message
  }

  return { status, attempt, error, setStatus, setError }
})
