import { ref, type Ref, watch } from 'vue'
import { useApiAction } from './useApiAction'

/**
 * A form that sends every finished edit at once and otherwise shows the board's value.
 *
 * The draft follows the board (`source`, compared by `key`), except while the user is in
 * the middle of an edit (`edit()` until the next `send`) or a command is on its way: the
 * board's events for an earlier command must not undo a later edit, nor what was just
 * typed. A refused edit stays in the draft, beside the api's message, until the board's
 * value changes again.
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

  function follow(): void {
    if (pending === 0 && !editing) draft.value = toDraft(source(), draft.value)
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

  /** Send an edit; true when the api accepted it. */
  async function send(command: () => Promise<unknown>): Promise<boolean> {
    editing = false
    pending++
    try {
      return await run(command)
    } finally {
      pending--
    }
  }

  return { draft, busy, error, edit, settle, send }
}
