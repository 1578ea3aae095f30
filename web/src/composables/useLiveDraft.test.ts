import { describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { ApiError } from '../api'
import { ANSWER_WAIT_MS, useLiveDraft } from './useLiveDraft'

/** A command the test answers by hand: `accept()` or `refuse()`. */
function deferred() {
  let accept!: () => void
  let refuse!: (error: Error) => void
  const promise = new Promise<void>((resolve, reject) => {
    accept = resolve
    refuse = reject
  })
  return { command: () => promise, accept, refuse }
}

function setup() {
  const board = ref({ level: 1, other: 'a' })
  const form = effectScope().run(() =>
    useLiveDraft(
      () => board.value,
      (value) => ({ level: value.level as number | string }),
      (value) => String(value.level),
    ),
  )!
  return { board, form }
}

describe('useLiveDraft', () => {
  it("follows the board's value, by its key", async () => {
    const { board, form } = setup()
    expect(form.draft.value).toEqual({ level: 1 })
    const before = form.draft.value
    board.value = { level: 1, other: 'b' } // not part of the form: the draft stays
    await nextTick()
    expect(form.draft.value).toBe(before)
    board.value = { level: 2, other: 'b' }
    await nextTick()
    expect(form.draft.value).toEqual({ level: 2 })
  })

  it('keeps what is being typed until it is sent', async () => {
    const { board, form } = setup()
    form.draft.value = { level: '4' }
    form.edit()
    board.value = { level: 3, other: 'a' } // someone else's change meanwhile
    await nextTick()
    expect(form.draft.value).toEqual({ level: '4' })
    form.settle() // left without sending: the board's value again
    expect(form.draft.value).toEqual({ level: 3 })
  })

  it("does not let an earlier command's event undo a later edit", async () => {
    const { board, form } = setup()
    const first = deferred()
    const second = deferred()
    form.draft.value = { level: 5 }
    const sent = [form.send(first.command)]
    form.draft.value = { level: 6 }
    sent.push(form.send(second.command))
    board.value = { level: 5, other: 'a' } // the first one's event
    await nextTick()
    expect(form.draft.value).toEqual({ level: 6 })
    first.accept()
    second.accept()
    expect(await Promise.all(sent)).toEqual([true, true])
    board.value = { level: 6, other: 'a' }
    await nextTick()
    expect(form.draft.value).toEqual({ level: 6 })
    expect(form.busy.value).toBe(false)
  })

  it("shows an answer, not an earlier command's event that comes after it", async () => {
    vi.useFakeTimers()
    try {
      const { board, form } = setup()
      const answered = (level: number) => () => Promise.resolve({ level, other: 'a' })
      const asBoard = (answer: { level: number; other: string }) => answer
      expect(await form.send(answered(5), asBoard)).toBe(true)
      expect(await form.send(answered(6), asBoard)).toBe(true)
      expect(form.draft.value).toEqual({ level: 6 }) // the answer, before any event
      board.value = { level: 5, other: 'a' } // the first command's event, late
      await nextTick()
      expect(form.draft.value).toEqual({ level: 6 })
      board.value = { level: 6, other: 'a' } // the answer's own event
      await nextTick()
      board.value = { level: 7, other: 'a' } // from then on, the board's changes show
      await nextTick()
      expect(form.draft.value).toEqual({ level: 7 })

      expect(await form.send(answered(8), asBoard)).toBe(true)
      board.value = { level: 2, other: 'a' } // someone else's, the answer's event lost
      await nextTick()
      expect(form.draft.value).toEqual({ level: 8 })
      vi.advanceTimersByTime(ANSWER_WAIT_MS)
      expect(form.draft.value).toEqual({ level: 2 }) // the board's value rules again
    } finally {
      vi.useRealTimers()
    }
  })

  it('keeps a refused edit beside the message until the board changes', async () => {
    const { board, form } = setup()
    const refused = deferred()
    form.draft.value = { level: 'x' }
    const sent = form.send(refused.command)
    refused.refuse(new ApiError(422, 'level: not a number', [{ loc: ['level'], msg: 'nan' }]))
    expect(await sent).toBe(false)
    expect(form.error.value?.fields).toEqual(['level'])
    form.settle()
    expect(form.draft.value).toEqual({ level: 'x' })
    board.value = { level: 9, other: 'a' }
    await nextTick()
    expect(form.draft.value).toEqual({ level: 9 })
  })
})
