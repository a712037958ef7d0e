import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { TimeRestriction } from '../../core/model/time-restriction'
import { isWithinRestriction, mergeRanges, restrictionWindows } from '../../core/time/restrictions'

const HOUR = 3_600_000
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis()
const local = (t: number, zone: string): string =>
  DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true }) ?? ''
const show = (zone: string, r: TimeRestriction, from: string, to: string): string[][] =>
  restrictionWindows(r, zone, at(from, zone), at(to, zone)).map((w) => [
    local(w.start, zone),
    local(w.end, zone),
  ])
const tod = (startHour: number, startMin: number, endHour: number, endMin: number): TimeRestriction => ({
  type: 'time-of-day',
  restriction: { startHour, startMin, endHour, endMin },
})
type Day = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'
const weekly = (...r: Array<[Day, number, number, Day, number, number]>): TimeRestriction => ({
  type: 'weekday-and-time-of-day',
  restrictions: r.map(([startDay, startHour, startMin, endDay, endHour, endMin]) => ({
    startDay,
    startHour,
    startMin,
    endDay,
    endHour,
    endMin,
  })),
})

describe('time-of-day windows', () => {
  it('09:00–17:00 in New York stays 09:00–17:00 local across the spring-forward', () => {
    expect(show('America/New_York', tod(9, 0, 17, 0), '2026-03-07T00:00', '2026-03-10T00:00')).toEqual([
      ['2026-03-07T09:00:00-05:00', '2026-03-07T17:00:00-05:00'],
      ['2026-03-08T09:00:00-04:00', '2026-03-08T17:00:00-04:00'],
      ['2026-03-09T09:00:00-04:00', '2026-03-09T17:00:00-04:00'],
    ])
  })

  it('an end before the start wraps past midnight; windows are clipped to the range', () => {
    expect(show('Europe/Berlin', tod(22, 0, 6, 0), '2026-03-28T03:00', '2026-03-30T03:00')).toEqual([
      ['2026-03-28T03:00:00+01:00', '2026-03-28T06:00:00+01:00'],
      // The night of the spring-forward is one hour shorter in real time.
      ['2026-03-28T22:00:00+01:00', '2026-03-29T06:00:00+02:00'],
      ['2026-03-29T22:00:00+02:00', '2026-03-30T03:00:00+02:00'],
    ])
  })

  it('an end of 24:00 is midnight at the end of the day', () => {
    expect(show('UTC', tod(18, 0, 24, 0), '2026-06-01T00:00', '2026-06-02T12:00')).toEqual([
      ['2026-06-01T18:00:00Z', '2026-06-02T00:00:00Z'],
    ])
  })

  it('start == end is the whole day, and consecutive whole days merge', () => {
    expect(show('Asia/Kolkata', tod(9, 0, 9, 0), '2026-06-01T12:00', '2026-06-05T12:00')).toEqual([
      ['2026-06-01T12:00:00+05:30', '2026-06-05T12:00:00+05:30'],
    ])
    expect(show('America/New_York', tod(0, 0, 24, 0), '2026-03-07T12:00', '2026-03-09T12:00')).toEqual([
      ['2026-03-07T12:00:00-05:00', '2026-03-09T12:00:00-04:00'],
    ])
  })

  it('Kolkata has a fixed +05:30 offset', () => {
    const w = restrictionWindows(tod(9, 0, 17, 0), 'Asia/Kolkata', Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2))
    expect(w).toEqual([{ start: Date.UTC(2026, 5, 1, 3, 30), end: Date.UTC(2026, 5, 1, 11, 30) }])
  })
})

describe('DST at window boundaries', () => {
  it('New York spring-forward: a boundary in the skipped hour moves to 03:00 EDT', () => {
    expect(show('America/New_York', tod(1, 0, 2, 30), '2026-03-08T00:00', '2026-03-08T12:00')).toEqual([
      ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00'],
    ])
    expect(show('America/New_York', tod(2, 30, 5, 0), '2026-03-08T00:00', '2026-03-08T12:00')).toEqual([
      ['2026-03-08T03:00:00-04:00', '2026-03-08T05:00:00-04:00'],
    ])
    // A window wholly inside the skipped hour does not exist that day.
    expect(show('America/New_York', tod(2, 0, 2, 45), '2026-03-08T00:00', '2026-03-08T12:00')).toEqual([])
  })

  it('New York fall-back: starts take the first 01:30, ends the last', () => {
    const z = 'America/New_York'
    expect(show(z, tod(0, 0, 1, 30), '2026-11-01T00:00', '2026-11-01T12:00')).toEqual([
      ['2026-11-01T00:00:00-04:00', '2026-11-01T01:30:00-05:00'],
    ])
    expect(show(z, tod(1, 30, 3, 0), '2026-11-01T00:00', '2026-11-01T12:00')).toEqual([
      ['2026-11-01T01:30:00-04:00', '2026-11-01T03:00:00-05:00'],
    ])
    const [w] = restrictionWindows(tod(1, 30, 3, 0), z, at('2026-11-01T00:00', z), at('2026-11-01T12:00', z))
    expect(w && (w.end - w.start) / HOUR).toBe(2.5)
  })

  it('Lord Howe: the 30-minute spring-forward and fall-back', () => {
    const z = 'Australia/Lord_Howe'
    expect(show(z, tod(1, 45, 2, 15), '2026-10-04T00:00', '2026-10-04T12:00')).toEqual([
      ['2026-10-04T01:45:00+10:30', '2026-10-04T02:30:00+11:00'],
    ])
    const [w] = restrictionWindows(tod(1, 0, 2, 0), z, at('2026-04-05T00:00', z), at('2026-04-05T12:00', z))
    // 01:00–02:00 with 01:30–02:00 happening twice: 90 real minutes.
    expect(w && (w.end - w.start) / 60_000).toBe(90)
  })

  it('Santiago: midnight is skipped on 2026-09-06 and 23:00–24:00 repeats on 2026-04-04', () => {
    const z = 'America/Santiago'
    expect(show(z, tod(0, 0, 8, 0), '2026-09-05T12:00', '2026-09-06T12:00')).toEqual([
      ['2026-09-06T01:00:00-03:00', '2026-09-06T08:00:00-03:00'],
    ])
    expect(show(z, tod(22, 0, 23, 30), '2026-04-04T12:00', '2026-04-05T12:00')).toEqual([
      ['2026-04-04T22:00:00-03:00', '2026-04-04T23:30:00-04:00'],
    ])
  })
})

describe('weekday-and-time-of-day windows', () => {
  it('friday 17:00 → monday 09:00 wraps the week end, across the New York spring-forward', () => {
    const z = 'America/New_York'
    const r = weekly(['friday', 17, 0, 'monday', 9, 0])
    expect(show(z, r, '2026-03-02T00:00', '2026-03-16T00:00')).toEqual([
      ['2026-03-02T00:00:00-05:00', '2026-03-02T09:00:00-05:00'],
      ['2026-03-06T17:00:00-05:00', '2026-03-09T09:00:00-04:00'],
      ['2026-03-13T17:00:00-04:00', '2026-03-16T00:00:00-04:00'],
    ])
    const [, w] = restrictionWindows(r, z, at('2026-03-02T00:00', z), at('2026-03-12T00:00', z))
    expect(w && (w.end - w.start) / HOUR).toBe(63)
  })

  it('entries that touch merge; an equal start and end is the whole week', () => {
    const z = 'Europe/Berlin'
    const r = weekly(
      ['monday', 9, 0, 'monday', 17, 0],
      ['monday', 17, 0, 'tuesday', 9, 0],
      ['thursday', 9, 0, 'thursday', 17, 0],
    )
    expect(show(z, r, '2026-06-01T00:00', '2026-06-08T00:00')).toEqual([
      ['2026-06-01T09:00:00+02:00', '2026-06-02T09:00:00+02:00'],
      ['2026-06-04T09:00:00+02:00', '2026-06-04T17:00:00+02:00'],
    ])
    expect(
      show(z, weekly(['wednesday', 9, 0, 'wednesday', 9, 0]), '2026-06-01T00:00', '2026-06-20T00:00'),
    ).toEqual([['2026-06-01T00:00:00+02:00', '2026-06-20T00:00:00+02:00']])
  })

  it('a same-day entry ending before it starts wraps almost a whole week', () => {
    const z = 'UTC'
    expect(
      show(z, weekly(['monday', 17, 0, 'monday', 9, 0]), '2026-06-01T00:00', '2026-06-09T00:00'),
    ).toEqual([
      ['2026-06-01T00:00:00Z', '2026-06-01T09:00:00Z'],
      ['2026-06-01T17:00:00Z', '2026-06-08T09:00:00Z'],
      ['2026-06-08T17:00:00Z', '2026-06-09T00:00:00Z'],
    ])
  })
})

describe('isWithinRestriction', () => {
  it('includes the start and excludes the end', () => {
    const z = 'America/New_York'
    const r = tod(9, 0, 17, 0)
    expect(isWithinRestriction(r, z, at('2026-03-08T09:00', z))).toBe(true)
    expect(isWithinRestriction(r, z, at('2026-03-08T09:00', z) - 1)).toBe(false)
    expect(isWithinRestriction(r, z, at('2026-03-08T16:59:59.999', z))).toBe(true)
    expect(isWithinRestriction(r, z, at('2026-03-08T17:00', z))).toBe(false)
  })

  it('follows wraps past midnight and past the week end', () => {
    const z = 'Europe/Berlin'
    expect(isWithinRestriction(tod(22, 0, 6, 0), z, at('2026-03-29T05:00', z))).toBe(true)
    expect(isWithinRestriction(tod(22, 0, 6, 0), z, at('2026-03-29T12:00', z))).toBe(false)
    const weekend = weekly(['friday', 17, 0, 'monday', 9, 0])
    expect(isWithinRestriction(weekend, z, at('2026-03-29T12:00', z))).toBe(true) // a Sunday
    expect(isWithinRestriction(weekend, z, at('2026-03-30T08:59', z))).toBe(true)
    expect(isWithinRestriction(weekend, z, at('2026-03-30T09:00', z))).toBe(false)
    expect(isWithinRestriction(weekend, z, at('2026-03-27T16:59', z))).toBe(false)
  })

  it('covers both occurrences of a repeated hour when the window ends inside it', () => {
    const z = 'America/New_York'
    const r = tod(0, 0, 1, 30)
    const firstOneFifteen = DateTime.fromISO('2026-11-01T01:15-04:00').toMillis()
    expect(isWithinRestriction(r, z, firstOneFifteen)).toBe(true)
    expect(isWithinRestriction(r, z, firstOneFifteen + HOUR)).toBe(true) // 01:15 EST
    expect(isWithinRestriction(r, z, firstOneFifteen + 1.5 * HOUR)).toBe(false) // 01:45 EST
  })
})

describe('mergeRanges', () => {
  it('sorts, joins overlapping and touching ranges, and drops empty ones', () => {
    expect(
      mergeRanges([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 6, end: 9 },
        { start: 10, end: 10 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 9 },
    ])
  })

  it('returns nothing for an empty or reversed range', () => {
    expect(restrictionWindows(tod(9, 0, 17, 0), 'UTC', 10, 10)).toEqual([])
    expect(restrictionWindows(tod(9, 0, 17, 0), 'UTC', 10, 5)).toEqual([])
  })
})
