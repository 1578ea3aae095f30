// Carousel entries' schedules (days, a window, a transition of their own): the editor's
// draft of an entry, the entry it sends, and the short summary a row shows. Pure.
import { sameTransition, transitionLabel, transitionOf, type TransitionDraft } from './transitions'
import type { CarouselEntry, Weekday } from './types'

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

const SHORT: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
}

const LONG: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
}

export function dayShort(day: Weekday): string {
  return SHORT[day]
}

export function dayLong(day: Weekday): string {
  return LONG[day]
}

/** `days` in week order, each once. */
export function sortDays(days: readonly Weekday[]): Weekday[] {
  return WEEKDAYS.filter((day) => days.includes(day))
}

/** `days` with `day` added, or taken out when it was in. */
export function toggleDay(days: readonly Weekday[], day: Weekday): Weekday[] {
  return days.includes(day) ? days.filter((d) => d !== day) : sortDays([...days, day])
}

/** "Every day", "Mon–Fri", "Sat, Sun", "Mon, Wed–Fri": runs of three or more joined. */
export function daysSummary(days: readonly Weekday[] | undefined): string {
  const sorted = sortDays(days ?? [])
  if (sorted.length === 0 || sorted.length === 7) return 'Every day'
  const runs: Weekday[][] = []
  for (const day of sorted) {
    const run = runs[runs.length - 1]
    const last = run?.[run.length - 1]
    if (run && last && WEEKDAYS.indexOf(day) === WEEKDAYS.indexOf(last) + 1) run.push(day)
    else runs.push([day])
  }
  return runs
    .flatMap((run) =>
      run.length >= 3 ? [`${SHORT[run[0]!]}–${SHORT[run[run.length - 1]!]}`] : run.map(dayShort),
    )
    .join(', ')
}

/** "07:00–09:00", "from 07:00", "until 09:00", or null for all day. */
export function windowSummary(from: string | undefined, until: string | undefined): string | null {
  if (from && until) return `${from}–${until}`
  if (from) return `from ${from}`
  if (until) return `until ${until}`
  return null
}

/** A row's schedule in a line: "Mon–Fri · 07:00–09:00 · Fade, 500 ms"; null when it has none. */
export function scheduleSummary(entry: CarouselEntry): string | null {
  const parts: string[] = []
  if (entry.days?.length) parts.push(daysSummary(entry.days))
  const window = windowSummary(entry.from, entry.until)
  if (window) parts.push(window)
  if (entry.transition) parts.push(transitionLabel(entry.transition))
  return parts.length ? parts.join(' · ') : null
}

/** One carousel row being edited: what its inputs hold (the api validates it). */
export interface EntryDraft {
  app: string
  duration: number | string
  /** The days it shows; none: every day. */
  days: Weekday[]
  /** "HH:MM", or "" for none. */
  from: string
  until: string
  /** Its own transition in; null: the board's default. */
  transition: TransitionDraft | null
}

export function draftOf(entry: CarouselEntry): EntryDraft {
  return {
    app: entry.app,
    duration: entry.duration,
    days: sortDays(entry.days ?? []),
    from: entry.from ?? '',
    until: entry.until ?? '',
    transition: entry.transition ? { ...entry.transition } : null,
  }
}

/** The entry a draft saves: the unset parts left out, as the board sends them. */
export function entryOf(draft: EntryDraft): CarouselEntry {
  const entry: CarouselEntry = { app: draft.app, duration: draft.duration as number }
  if (draft.transition) entry.transition = transitionOf(draft.transition)
  if (draft.days.length) entry.days = sortDays(draft.days)
  if (draft.from) entry.from = draft.from
  if (draft.until) entry.until = draft.until
  return entry
}

/** Whether the board's entry is what the draft would save (a typed "5" is 5). */
export function sameEntry(entry: CarouselEntry, draft: EntryDraft): boolean {
  const saved = entryOf(draft)
  return (
    entry.app === saved.app &&
    entry.duration === Number(saved.duration) &&
    sameTransition(entry.transition, saved.transition) &&
    sortDays(entry.days ?? []).join() === (saved.days ?? []).join() &&
    (entry.from ?? '') === (saved.from ?? '') &&
    (entry.until ?? '') === (saved.until ?? '')
  )
}
