import { describe, expect, it } from 'vitest'
import { typedNumber } from './numberInput'

function field(value: string): HTMLInputElement {
  return { value, valueAsNumber: value === '' ? Number.NaN : Number(value) } as HTMLInputElement
}

describe('typedNumber', () => {
  it('reads a number, and keeps what is no number as typed', () => {
    expect(typedNumber(field('42'))).toBe(42)
    expect(typedNumber(field('-1.5'))).toBe(-1.5)
    expect(typedNumber(field(''))).toBe('')
    expect(typedNumber(field('1e'))).toBe('1e')
  })
})
