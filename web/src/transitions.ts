// Transitions between two things shown: the choices and how the dashboard names them.
import type { Transition, TransitionDirection, TransitionType } from './types'

export const TRANSITION_TYPES: readonly TransitionType[] = [
  'none',
  'fade',
  'slide',
  'wipe',
  'pixelate',
  'random',
]

export const TRANSITION_DIRECTIONS: readonly TransitionDirection[] = ['left', 'right', 'up', 'down']

/** The longest transition the board accepts, in milliseconds. */
export const MAX_TRANSITION_MS = 5000

/** A transition as its inputs hold it: `duration` may be what was typed (the api checks it). */
export type TransitionDraft = Omit<Transition, 'duration'> & { duration: number | string }

/** The transition a draft sends (a typed duration goes as typed, for the api to refuse). */
export function transitionOf(draft: TransitionDraft): Transition {
  return { type: draft.type, direction: draft.direction, duration: draft.duration as number }
}

/** Whether two transitions are the same (a typed "500" is 500). */
export function sameTransition(
  a: TransitionDraft | null | undefined,
  b: TransitionDraft | null | undefined,
): boolean {
  if (!a || !b) return !a && !b
  return (
    a.type === b.type && a.direction === b.direction && Number(a.duration) === Number(b.duration)
  )
}

/** What a newly chosen transition starts from (the board's own defaults). */
export const DEFAULT_TRANSITION: Readonly<Transition> = {
  type: 'none',
  direction: 'left',
  duration: 500,
}

const TYPE_LABELS: Record<TransitionType, string> = {
  none: 'None (cut)',
  fade: 'Fade',
  slide: 'Slide',
  wipe: 'Wipe',
  pixelate: 'Pixelate',
  random: 'Random',
}

export function typeLabel(type: TransitionType): string {
  return TYPE_LABELS[type] ?? type
}

export function directionLabel(direction: TransitionDirection): string {
  return direction.charAt(0).toUpperCase() + direction.slice(1)
}

/** Whether the type moves in a direction (only slide and wipe do). */
export function hasDirection(type: TransitionType): boolean {
  return type === 'slide' || type === 'wipe'
}

/** "Fade, 500 ms", "Slide left, 300 ms", "None" (a cut takes no time). */
export function transitionLabel(transition: Transition): string {
  if (transition.type === 'none') return 'None'
  const name = hasDirection(transition.type)
    ? `${TYPE_LABELS[transition.type]} ${transition.direction}`
    : TYPE_LABELS[transition.type]
  return `${name}, ${transition.duration} ms`
}
