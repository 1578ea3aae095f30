import { computed, ref, watchEffect } from 'vue'

export type Theme = 'dark' | 'light'
const KEY = 'retroboard.theme'

function stored(): Theme | null {
  try {
    const value = localStorage.getItem(KEY)
    return value === 'dark' || value === 'light' ? value : null
  } catch {
    return null
  }
}

function systemTheme(): Theme {
  return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

// One theme for the whole page, shared by every caller.
const theme = ref<Theme>(stored() ?? systemTheme())
let applied = false

/** The dark / light theme: `data-theme` on <html>, the choice remembered in localStorage. */
export function useTheme() {
  if (!applied) {
    applied = true
    watchEffect(() => {
      document.documentElement.dataset.theme = theme.value
    })
  }
  function toggle(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
    try {
      localStorage.setItem(KEY, theme.value)
    } catch {
      /* not remembered in private mode; still switched for this page */
    }
  }
  return { theme: computed(() => theme.value), toggle }
}
