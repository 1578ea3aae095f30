/**
 * What a number field holds: the number typed, or, when it is none (empty, or not a
 * number), the text as it is, kept for the api to say what is wrong with it.
 */
export function typedNumber(el: HTMLInputElement): number | string {
  return el.value === '' || Number.isNaN(el.valueAsNumber) ? el.value : el.valueAsNumber
}
