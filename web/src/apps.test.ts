import { describe, expect, it } from 'vitest'
import { appLabel, idProblem, isOriginal, suggestId } from './apps'

describe('app instances', () => {
  it('knows the three originals cannot be removed', () => {
    expect(isOriginal('clock')).toBe(true)
    expect(isOriginal('scroll_text')).toBe(true)
    expect(isOriginal('clock-2')).toBe(false)
  })

  it('names originals as words and other instances by their id', () => {
    expect(appLabel('scroll_text')).toBe('Scroll text')
    expect(appLabel('clock-tokyo')).toBe('clock-tokyo')
  })

  it('suggests the type, then numbered ids that are free', () => {
    expect(suggestId('weather', ['clock'])).toBe('weather')
    expect(suggestId('clock', ['clock'])).toBe('clock-2')
    expect(suggestId('clock', ['clock', 'clock-2', 'clock-3'])).toBe('clock-4')
    expect(suggestId('Web Image', [])).toBe('web-image')
  })

  it('checks an id as the api does', () => {
    expect(idProblem('clock-tokyo', ['clock'])).toBeNull()
    expect(idProblem('a', [])).toBeNull()
    expect(idProblem('', [])).toMatch(/Give/)
    expect(idProblem('Clock', [])).toMatch(/lower-case/)
    expect(idProblem('-clock', [])).toMatch(/lower-case/)
    expect(idProblem('clock tokyo', [])).toMatch(/lower-case/)
    expect(idProblem('x'.repeat(64), [])).toBeNull()
    expect(idProblem('x'.repeat(65), [])).toMatch(/lower-case/)
    expect(idProblem('clock', ['clock'])).toBe('"clock" is already an app on this board.')
  })
})
