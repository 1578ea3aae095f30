import { ref, type Ref, watch } from 'vue'
import { useApiAction } from './useApiAction'

/** How long an answered value waits for the board's event of it before events rule again. */
export const ANSWER_WAIT_MS = 3000

/**
 * A form that sends every finished edit at once and otherwise shows the board's value.
 *
 * The draft follows the board (`source`, compared by `key`), except while the user is in
 * the middle of an edit (`edit()` until the next `send`) or a command is on its way: the
 * board's events for an earlier command must not undo a later edit, nor what was just
 * typed. The events come after the REST answers, so once a command given `answered`
 * (its answer as a board value) is answered, the draft shows that value and waits for
 * the board's event of it (at most `ANSWER_WAIT_MS`): an earlier command's event
 * arriving late is no value to edit from. A refused edit stays in the draft, beside the
 * api's message, until the board's value changes again.
 */
export function useLiveDraft<S, D>(
  source: () => S,
  toDraft: (value: S, previous: D | undefined) => D,
  key: (value: S) => string = (value) => JSON.stringify(value),
) {
  const draft = ref() as Ref<D>
  const { busy, error, run } = useApiAction()
  let pending = 0
  let editing = false
  let awaited: string | null = null // the key of the last answer, until its event comes
  let awaitTimer: ReturnType<typeof setTimeout> | undefined

  function stopAwaiting(): void {
    awaited = null
    clearTimeout(awaitTimer)
  }

  function follow(): void {
    if (pending > 0 || editing) return
    const value = source()
    if (awaited !== null) {
      if (key(value) !== awaited) return // an event older than the answer shown
      stopAwaiting()
    }
    draft.value = toDraft(value, draft.value)
  }
  watch(() => key(source()), follow, { immediate: true })

  /** An edit has begun (keystrokes not sent yet): hold the draft until it is sent. */
  function edit(): void {
    editing = true
  }

  /** The edit is over without a command (e.g. the field was left unchanged). */
  function settle(): void {
    editing = false
    if (!error.value) follow() // a refused edit stays for correcting
  }

  /** Send an edit; true when the api accepted it. `answered` reads the board's new
   * value from the api's answer. */
  async function send<R>(command: () => Promise<R>, answered?: (answer: R) => S): Promise<boolean> {
    editing = false
    pending++
    let answer: { value: S } | null = null
    try {
      return await run(async () => {
        const result = await command()
        if (answered) answer = { value: answered(result) }
      })
    } finally {
      pending--
      if (answer !== null && pending === 0 && !editing) {
        const { value } = answer
        awaited = key(value)
        clearTimeout(awaitTimer)
        awaitTimer = setTimeout(() => {
          stopAwaiting()
          follow()
        }, ANSWER_WAIT_MS)
        draft.value = toDraft(value, draft.value)
        follow() // its event may be here already
      }
    }
  }

  return { draft, busy, error, edit, settle, send }
}
