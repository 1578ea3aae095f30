// What the dashboard says about notifications and custom apps (AWTRIX 3's pushes), and
// the composer's body. Pure functions: the clock is passed in.
import type { InstanceInfo, NotificationInfo, NotifyBody, PushOrigin } from './types'

/** The longest a notification may show, in whole seconds (the renderer's cap: a day). */
export const MAX_NOTIFICATION_SECONDS = 86_400

/** What the composer holds: the text, a library icon ("" none), `#rrggbb`, seconds, hold. */
export interface ComposerDraft {
  text: string
  icon: string
  color: string
  /** Seconds as typed; null when the field is empty (the board's default then). */
  duration: number | null
  hold: boolean
}

/** The composer's first values: white text for five seconds, not held. */
export function emptyDraft(): ComposerDraft {
  return { text: '', icon: '', color: '#ffffff', duration: 5, hold: false }
}

/** Why `draft` cannot be sent, or null when it can (the board checks the rest). */
export function draftProblem(draft: ComposerDraft): string | null {
  if (!draft.text.trim() && !draft.icon) return 'Write a text or pick an icon.'
  const seconds = draft.duration
  if (seconds !== null && !(Number.isInteger(seconds) && seconds >= 1)) {
    return 'The duration is a whole number of seconds, at least 1.'
  }
  if (seconds !== null && seconds > MAX_NOTIFICATION_SECONDS) {
    return `The duration is at most ${MAX_NOTIFICATION_SECONDS} seconds (a day).`
  }
  return null
}

/** The AWTRIX 3 notification JSON of `draft`: only what was given, colour as `#RRGGBB`. */
export function notifyBody(draft: ComposerDraft): NotifyBody {
  const body: NotifyBody = {}
  const text = draft.text.trim()
  if (text) body.text = text
  if (draft.icon) body.icon = draft.icon
  body.color = draft.color.toUpperCase()
  if (draft.duration !== null) body.duration = draft.duration
  if (draft.hold) body.hold = true
  return body
}

/** How long a notification stays: "until dismissed", "8 s", "2 passes". */
export function staysFor(info: NotificationInfo): string {
  if (info.hold) return 'until dismissed'
  if (info.repeat > 0) return info.repeat === 1 ? '1 pass' : `${info.repeat} passes`
  return `${Number.isInteger(info.duration) ? info.duration : info.duration.toFixed(1)} s`
}

/** A notification's name in a list: its text, else its icon's name. */
export function notificationLabel(info: NotificationInfo): string {
  return info.text || (info.icon ? `(${info.icon})` : '(no text)')
}

/** Whether an instance is a custom app (pushed as AWTRIX 3 JSON, not created as an app). */
export function isCustom(instance: InstanceInfo | undefined): boolean {
  return instance !== undefined && (instance.type === 'custom' || Boolean(instance.origin))
}

/** Where custom app `name` came from, in a person's terms. */
export function originLabel(origin: PushOrigin | null | undefined, name: string): string {
  switch (origin) {
    case 'api':
      return 'pushed over REST/Socket.IO'
    case 'mqtt':
      return `MQTT cmd/custom/${name}`
    case 'awtrix':
      return `AWTRIX topic …/custom/${name}`
    default:
      return 'custom app'
  }
}

/** `then` (seconds since the epoch) relative to `now` (milliseconds): "5 min ago". */
export function relativeTime(then: number, now: number): string {
  const seconds = Math.floor(now / 1000 - then)
  if (seconds < 10) return 'just now' // a clock a little ahead of ours included
  if (seconds < 60) return `${seconds} s ago`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  const days = Math.floor(hours / 24)
  return days === 1 ? '1 day ago' : `${days} days ago`
}
