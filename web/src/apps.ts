// App instances: which may be removed, and what a new one may be called. Pure functions.
import { titleCase } from './schemaForm'

/** The board's first three instances: the renderer refuses to remove them (409). */
export const ORIGINAL_APPS: readonly string[] = ['clock', 'scroll_text', 'stars']

/** An instance id, as the api checks it (retroboard_common.models.AppName). */
export const APP_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/

export function isOriginal(app: string): boolean {
  return ORIGINAL_APPS.includes(app)
}

/** Why `id` cannot name a new instance, or null when it can. */
export function idProblem(id: string, existing: readonly string[]): string | null {
  if (!id) return 'Give the app an id.'
  if (!APP_ID.test(id)) {
    return 'Use lower-case letters, digits, "-" and "_" (starting with a letter or digit), at most 64.'
  }
  if (existing.includes(id)) return `"${id}" is already an app on this board.`
  return null
}

/** A free id for a new instance of `type`: the type itself, else `<type>-2`, `-3`, … */
export function suggestId(type: string, existing: readonly string[]): string {
  const base =
    type
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+/, '')
      .slice(0, 60) || 'app'
  if (!existing.includes(base)) return base
  for (let n = 2; ; n++) {
    const id = `${base}-${n}`
    if (!existing.includes(id)) return id
  }
}

/** How the dashboard names an app: "Scroll text" for an original, else its id as given. */
export function appLabel(app: string): string {
  return isOriginal(app) ? titleCase(app) : app
}
