import { describe, expect, it } from 'vitest'
import {
  daysSummary,
  draftOf,
  entryOf,
  sameEntry,
  scheduleSummary,
  sortDays,
  toggleDay,
  windowSummary,
} from './schedule'
import type { CarouselEntry } from './types'

describe('carousel schedules', () => {
  it('keeps days in week order, each once', () => {
    expect(sortDays(['sun', 'mon', 'wed', 'mon'])).toEqual(['mon', 'wed', 'sun'])
    expect(toggleDay(['mon', 'fri'], 'wed')).toEqual(['mon', 'wed', 'fri'])
    expect(toggleDay(['mon', 'wed', 'fri'], 'wed')).toEqual(['mon', 'fri'])
    expect(toggleDay([], 'sun')).toEqual(['sun'])
  })

  it('sums days up as ranges', () => {
    expect(daysSummary(undefined)).toBe('Every day')
    expect(daysSummary([])).toBe('Every day')
    expect(daysSummary(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('Every day')
    expect(daysSummary(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon–Fri')
    expect(daysSummary(['sat', 'sun'])).toBe('Sat, Sun')
    expect(daysSummary(['mon', 'wed', 'thu', 'fri'])).toBe('Mon, Wed–Fri')
    expect(daysSummary(['tue'])).toBe('Tue')
  })

  it('sums a window up', () => {
    expect(windowSummary('07:00', '09:00')).toBe('07:00–09:00')
    expect(windowSummary('22:00', '02:00')).toBe('22:00–02:00')
    expect(windowSummary('18:00', undefined)).toBe('from 18:00')
    expect(windowSummary(undefined, '12:00')).toBe('until 12:00')
    expect(windowSummary(undefined, undefined)).toBeNull()
  })

  it("sums an entry's schedule up in a line, nothing for a plain entry", () => {
    expect(scheduleSummary({ app: 'clock', duration: 10 })).toBeNull()
    expect(
      scheduleSummary({
        app: 'clock',
        duration: 10,
        days: ['sat', 'sun'],
        from: '08:00',
        until: '12:00',
        transition: { type: 'slide', direction: 'up', duration: 300 },
      }),
    ).toBe('Sat, Sun · 08:00–12:00 · Slide up, 300 ms')
    expect(
      scheduleSummary({
        app: 'clock',
        duration: 10,
        transition: { type: 'none', direction: 'left', duration: 500 },
      }),
    ).toBe('None')
    expect(scheduleSummary({ app: 'clock', duration: 10, from: '06:00' })).toBe('from 06:00')
  })

  it('turns an entry into a draft and back, leaving the unset parts out', () => {
    const plain: CarouselEntry = { app: 'clock', duration: 10 }
    expect(draftOf(plain)).toEqual({
      app: 'clock',
      duration: 10,
      days: [],
      from: '',
      until: '',
      transition: null,
    })
    expect(entryOf(draftOf(plain))).toEqual(plain)
    expect(Object.keys(entryOf(draftOf(plain)))).toEqual(['app', 'duration'])

    const full: CarouselEntry = {
      app: 'stars',
      duration: 30,
      transition: { type: 'fade', direction: 'left', duration: 250 },
      days: ['mon', 'fri'],
      from: '22:00',
      until: '02:00',
    }
    const draft = draftOf(full)
    expect(draft.transition).not.toBe(full.transition)
    expect(entryOf(draft)).toEqual(full)
    expect(entryOf({ ...draft, days: ['fri', 'mon'] }).days).toEqual(['mon', 'fri'])
  })

  it('tells whether the board has what a draft would save', () => {
    const entry: CarouselEntry = {
      app: 'stars',
      duration: 30,
      days: ['mon'],
      transition: { type: 'fade', direction: 'left', duration: 250 },
    }
    const draft = draftOf(entry)
    expect(sameEntry(entry, draft)).toBe(true)
    expect(sameEntry(entry, { ...draft, duration: '30' })).toBe(true)
    expect(sameEntry(entry, { ...draft, duration: 31 })).toBe(false)
    expect(sameEntry(entry, { ...draft, days: [] })).toBe(false)
    expect(sameEntry(entry, { ...draft, from: '08:00' })).toBe(false)
    expect(sameEntry(entry, { ...draft, transition: null })).toBe(false)
    expect(
      sameEntry(entry, {
        ...draft,
        transition: { type: 'fade', direction: 'left', duration: '250' },
      }),
    ).toBe(true)
    expect(
      sameEntry(entry, {
        ...draft,
        transition: { type: 'wipe', direction: 'left', duration: 250 },
      }),
    ).toBe(false)
  })
})
