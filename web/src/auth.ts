// The optional access token (RETROBOARD_API_TOKEN on the api), remembered per browser.
const KEY = 'retroboard.token'

export function getToken(): string | null {
  try {
    return globalThis.localStorage?.getItem(KEY) || null
  } catch {
    return null // storage disabled (private mode): just ask again next time
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(KEY, token)
    else localStorage.removeItem(KEY)
  } catch {
    /* not remembered, still used for this page through the socket's auth callback */
  }
}

// Who to tell when the api refuses the token on REST (with RETROBOARD_API_PUBLIC_READS the
// socket connects without one, so only a command reveals that the token is needed).
let refusedListener: ((message: string) => void) | null = null

export function onTokenRefused(listener: (message: string) => void): void {
  refusedListener = listener
}

export function tokenRefused(message: string): void {
  refusedListener?.(message)
}
