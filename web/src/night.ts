// Night mode: its window's edges as the form edits them ("22:30", "sunset+30"), and the
// lines the panel shows. Pure functions.
import { appLabel } from './apps'
import type { Night } from './types'

/** The longest offset from sunset or sunrise the board accepts, in minutes. */
export const MAX_SUN_OFFSET = 720

export type EdgeKind = 'time' | 'sunset' | 'sunrise'

/** One edge of the window as its inputs hold it. */
export interface EdgeDraft {
  kind: EdgeKind
  /** "HH:MM" (kept while the edge follows the sun, for switching back). */
  time: string
  /** Minutes after (+) or before (−) the sun's edge; what the input holds. */
  offset: number | string
}

const SUN_EDGE = /^(sunset|sunrise)(?:([+-])([0-9]+))?$/

/** The form's edge for `edge` ("22:30", "sunset", "sunrise-15"); `time` for a sun edge. */
export function parseEdge(edge: string, time: string): EdgeDraft {
  const sun = SUN_EDGE.exec(edge)
  if (!sun) return { kind: 'time', time: edge, offset: 0 }
  const minutes = Number(sun[3] ?? 0)
  return { kind: sun[1] as EdgeKind, time, offset: sun[2] === '-' ? -minutes : minutes }
}

/** The api's edge for the form's: "22:30", "sunset", "sunset+30", "sunrise-15". */
export function formatEdge(edge: EdgeDraft): string {
  if (edge.kind === 'time') return edge.time
  const offset = edge.offset === '' ? 0 : Number(edge.offset)
  if (!Number.isFinite(offset)) return `${edge.kind}${edge.offset}` // the api says what is wrong
  if (offset === 0) return edge.kind
  const minutes = Math.round(Math.abs(offset))
  return `${edge.kind}${offset < 0 ? '-' : '+'}${minutes}`
}

/** "22:30", "sunset", "30 min after sunset", "15 min before sunrise". */
export function edgeText(edge: string): string {
  const sun = SUN_EDGE.exec(edge)
  if (!sun) return edge
  const minutes = Number(sun[3] ?? 0)
  if (minutes === 0) return sun[1]!
  return `${minutes} min ${sun[2] === '-' ? 'before' : 'after'} ${sun[1]}`
}

/** Whether an edge ("sunset+30") needs the board's location. */
export function usesSun(edge: string): boolean {
  return SUN_EDGE.test(edge)
}

/** The form's state of the board's night mode: the times it would go back to. */
export interface NightForm {
  enabled: boolean
  from: EdgeDraft
  until: EdgeDraft
  brightness: number
  app: string | null
}

const FROM_TIME = '22:00'
const UNTIL_TIME = '07:00'

/** The form for `night`; a sun edge keeps `previous`'s time (else 22:00 / 07:00) to go back to. */
export function nightForm(night: Night, previous?: NightForm): NightForm {
  return {
    enabled: night.enabled,
    from: parseEdge(night.from, timeOf(previous?.from) ?? FROM_TIME),
    until: parseEdge(night.until, timeOf(previous?.until) ?? UNTIL_TIME),
    brightness: night.brightness,
    app: night.app,
  }
}

function timeOf(edge: EdgeDraft | undefined): string | undefined {
  return edge?.time || undefined
}

/** "22:30 – 07:00", "30 min after sunset – 15 min before sunrise". */
export function windowText(night: Pick<Night, 'from' | 'until'>): string {
  return `${edgeText(night.from)} – ${edgeText(night.until)}`
}

/** The live line: "On now", "On now (by hand)", "Off", "Off (by hand)"; null until known. */
export function nightStatus(night: Night | null): string | null {
  if (!night) return null
  const state = night.active ? 'On now' : 'Off'
  return night.manual ? `${state} (by hand)` : state
}

/** What shows at night: "What is showing", "Nothing (dark)", or the app's name. */
export function nightAppText(app: string | null): string {
  if (app === null) return 'What is showing (dimmed)'
  if (app === 'off') return 'Nothing (dark)'
  return appLabel(app)
}
