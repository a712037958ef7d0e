import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { Participant, Rotation } from '../../core/model/schedule'
import { compileRotation, handoffAt, rotationShifts, shiftIndexAt } from '../../core/oncall'

const HOUR = 3_600_000
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis()
const local = (t: number, zone: string): string =>
  DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true }) ?? ''
const users = (...ids: string[]): Participant[] =>
  ids.map((id) => (id === '-' ? { type: 'none' } : { type: 'user', id }))
const rot = (r: Partial<Rotation> & Pick<Rotation, 'type' | 'startDate'>): Rotation => ({
  id: 'r1',
  name: 'primary',
  length: 1,
  participants: users('a', 'b', 'c'),
  ...r,
})
/** [local start, local end, who] for each shift. */
const show = (r: Rotation, zone: string, from: string, to: string): string[][] =>
  rotationShifts(r, zone, at(from, zone), at(to, zone)).map((s) => [
    local(s.start, zone),
    local(s.end, zone),
    s.participant.type === 'user' ? s.participant.id : '-',
  ])

describe('daily and weekly handoffs follow the wall clock', () => {
  it('New York: a daily 09:00 handoff stays 09:00; the turns over the changes last 23 h and 25 h', () => {
    const z = 'America/New_York'
    const r = rot({ type: 'daily', startDate: '2026-03-01T09:00' })
    expect(show(r, z, '2026-03-07T12:00', '2026-03-09T10:00')).toEqual([
      ['2026-03-07T09:00:00-05:00', '2026-03-08T09:00:00-04:00', 'a'],
      ['2026-03-08T09:00:00-04:00', '2026-03-09T09:00:00-04:00', 'b'],
      ['2026-03-09T09:00:00-04:00', '2026-03-10T09:00:00-04:00', 'c'],
    ])
    const [spring] = rotationShifts(r, z, at('2026-03-07T12:00', z), at('2026-03-07T13:00', z))
    expect(spring && (spring.end - spring.start) / HOUR).toBe(23)
    const [fall] = rotationShifts(r, z, at('2026-10-31T12:00', z), at('2026-10-31T13:00', z))
    expect(fall && (fall.end - fall.start) / HOUR).toBe(25)
  })

  it('New York: a daily handoff in the skipped hour moves to 03:00; in the repeated hour it takes the first', () => {
    const z = 'America/New_York'
    const r = rot({ type: 'daily', startDate: '2026-03-01T02:30', participants: users('a', 'b') })
    expect(show(r, z, '2026-03-08T00:00', '2026-03-08T12:00')).toEqual([
      ['2026-03-07T02:30:00-05:00', '2026-03-08T03:00:00-04:00', 'a'],
      ['2026-03-08T03:00:00-04:00', '2026-03-09T02:30:00-04:00', 'b'],
    ])
    const r2 = rot({ type: 'daily', startDate: '2026-10-01T01:30', participants: users('a', 'b') })
    expect(show(r2, z, '2026-11-01T01:00-04:00', '2026-11-01T01:10-04:00')).toEqual([
      ['2026-10-31T01:30:00-04:00', '2026-11-01T01:30:00-04:00', 'a'],
    ])
    // The second 01:30 belongs to the turn that began at the first.
    const second = DateTime.fromISO('2026-11-01T01:45-05:00').toMillis()
    const [s] = rotationShifts(r2, z, second, second + 1)
    expect(s && local(s.start, z)).toBe('2026-11-01T01:30:00-04:00')
  })

  it('Berlin: two-week shifts (weekly × 2) hand off Monday 10:00 local across the spring-forward', () => {
    const z = 'Europe/Berlin'
    const r = rot({ type: 'weekly', length: 2, startDate: '2026-03-16T10:00', participants: users('a', 'b') })
    expect(show(r, z, '2026-03-16T10:00', '2026-04-28T00:00')).toEqual([
      ['2026-03-16T10:00:00+01:00', '2026-03-30T10:00:00+02:00', 'a'],
      ['2026-03-30T10:00:00+02:00', '2026-04-13T10:00:00+02:00', 'b'],
      ['2026-04-13T10:00:00+02:00', '2026-04-27T10:00:00+02:00', 'a'],
      ['2026-04-27T10:00:00+02:00', '2026-05-11T10:00:00+02:00', 'b'],
    ])
  })

  it('Santiago: a midnight handoff moves to 01:00 when midnight is skipped; the fall-back day has 25 h', () => {
    const z = 'America/Santiago'
    const r = rot({ type: 'daily', startDate: '2026-01-01T00:00', participants: users('a', 'b') })
    expect(show(r, z, '2026-09-05T12:00', '2026-09-06T12:00')).toEqual([
      ['2026-09-05T00:00:00-04:00', '2026-09-06T01:00:00-03:00', 'b'],
      ['2026-09-06T01:00:00-03:00', '2026-09-07T00:00:00-03:00', 'a'],
    ])
    const [s] = rotationShifts(r, z, at('2026-04-04T12:00', z), at('2026-04-04T13:00', z))
    expect(s && [local(s.start, z), local(s.end, z), (s.end - s.start) / HOUR]).toEqual([
      '2026-04-04T00:00:00-03:00',
      '2026-04-05T00:00:00-04:00',
      25,
    ])
  })

  it('Kolkata and UTC: twelve-hour shifts and none slots', () => {
    const r = rot({
      type: 'hourly',
      length: 12,
      startDate: '2026-06-01T09:00',
      participants: users('a', '-', 'b'),
    })
    expect(show(r, 'Asia/Kolkata', '2026-06-01T09:00', '2026-06-02T21:00')).toEqual([
      ['2026-06-01T09:00:00+05:30', '2026-06-01T21:00:00+05:30', 'a'],
      ['2026-06-01T21:00:00+05:30', '2026-06-02T09:00:00+05:30', '-'],
      ['2026-06-02T09:00:00+05:30', '2026-06-02T21:00:00+05:30', 'b'],
    ])
    const utc = rotationShifts(r, 'UTC', Date.UTC(2026, 5, 1, 9), Date.UTC(2026, 5, 1, 10))
    expect(utc).toEqual([
      {
        start: Date.UTC(2026, 5, 1, 9),
        end: Date.UTC(2026, 5, 1, 21),
        shift: 0,
        participantIndex: 0,
        participant: { type: 'user', id: 'a' },
      },
    ])
  })
})

describe('hourly rotations step in wall-clock hours', () => {
  const r = rot({ type: 'hourly', startDate: '2026-03-01T00:00' })

  it('New York spring-forward: the 02:00 turn is empty, its participant misses it, 03:00 goes on as any day', () => {
    const z = 'America/New_York'
    const shifts = rotationShifts(r, z, at('2026-03-08T00:00', z), at('2026-03-08T04:00', z))
    expect(shifts.map((s) => [local(s.start, z), local(s.end, z), s.shift, s.participantIndex])).toEqual([
      ['2026-03-08T00:00:00-05:00', '2026-03-08T01:00:00-05:00', 168, 0],
      ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00', 169, 1],
      ['2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00', 171, 0],
    ])
    // Turn 170 (wall 02:00) would have gone to participant 2 (c); 03:00 is participant 0 (a) on every day.
    expect(shifts[1] && (shifts[1].end - shifts[1].start) / HOUR).toBe(1)
    for (const day of ['2026-03-07', '2026-03-09']) {
      expect(show(r, z, `${day}T03:00`, `${day}T03:30`).map((s) => s[2])).toEqual(['a'])
      expect(show(r, z, `${day}T02:00`, `${day}T02:30`).map((s) => s[2])).toEqual(['c'])
    }
  })

  it('New York fall-back: the 01:00 turn covers both 01:00 hours (two real hours)', () => {
    const z = 'America/New_York'
    expect(show(r, z, '2026-11-01T00:00-04:00', '2026-11-01T03:00-05:00')).toEqual([
      ['2026-11-01T00:00:00-04:00', '2026-11-01T01:00:00-04:00', 'a'],
      ['2026-11-01T01:00:00-04:00', '2026-11-01T02:00:00-05:00', 'b'],
      ['2026-11-01T02:00:00-05:00', '2026-11-01T03:00:00-05:00', 'c'],
    ])
  })

  it('Lord Howe: the 02:00 turn lasts 30 minutes in October, the 01:00 turn 90 minutes in April', () => {
    const z = 'Australia/Lord_Howe'
    const len = (iso: string): number => {
      const [s] = rotationShifts(r, z, at(iso, z), at(iso, z) + 1)
      return s ? (s.end - s.start) / 60_000 : Number.NaN
    }
    expect(len('2026-10-04T02:45')).toBe(30)
    expect(len('2026-10-04T01:15')).toBe(60)
    expect(len('2026-04-05T01:15')).toBe(90)
    expect(len('2026-04-05T02:15')).toBe(60)
  })
})

describe('range, start and end handling', () => {
  it('returns whole turns overlapping the range, nothing before startDate', () => {
    const z = 'UTC'
    const r = rot({ type: 'daily', startDate: '2026-06-10T09:00' })
    expect(show(r, z, '2026-06-01T00:00', '2026-06-10T09:00')).toEqual([])
    expect(show(r, z, '2026-06-01T00:00', '2026-06-10T09:01')).toEqual([
      ['2026-06-10T09:00:00Z', '2026-06-11T09:00:00Z', 'a'],
    ])
  })

  it('jumps straight to the turn containing `from`, years after the start', () => {
    const z = 'Europe/Berlin'
    const r = rot({
      type: 'hourly',
      length: 3,
      startDate: '2020-01-01T00:00',
      participants: users('a', 'b', 'c', 'd'),
    })
    const cr = compileRotation(r, z)
    const t = at('2031-07-15T13:20', z)
    const k = shiftIndexAt(cr, t)
    expect(handoffAt(cr, k)).toBeLessThanOrEqual(t)
    expect(handoffAt(cr, k + 1)).toBeGreaterThan(t)
    expect(local(handoffAt(cr, k), z)).toBe('2031-07-15T12:00:00+02:00')
  })

  it('stops at endDate, taking the last occurrence of a repeated wall time', () => {
    const z = 'America/New_York'
    const r = rot({ type: 'daily', startDate: '2026-10-30T09:00', endDate: '2026-11-01T01:30' })
    expect(show(r, z, '2026-10-30T00:00', '2026-11-05T00:00')).toEqual([
      ['2026-10-30T09:00:00-04:00', '2026-10-31T09:00:00-04:00', 'a'],
      ['2026-10-31T09:00:00-04:00', '2026-11-01T01:30:00-05:00', 'b'],
    ])
  })

  it('cuts restricted turns to the restriction windows', () => {
    const z = 'America/New_York'
    const r = rot({
      type: 'weekly',
      startDate: '2026-03-02T09:00',
      participants: users('a', 'b'),
      timeRestriction: {
        type: 'weekday-and-time-of-day',
        restrictions: [
          { startDay: 'monday', startHour: 9, startMin: 0, endDay: 'friday', endHour: 17, endMin: 0 },
        ],
      },
    })
    expect(show(r, z, '2026-03-04T00:00', '2026-03-12T00:00')).toEqual([
      // The turn overlapping `from` comes whole; a restricted turn keeps only its Monday–Friday window.
      ['2026-03-02T09:00:00-05:00', '2026-03-06T17:00:00-05:00', 'a'],
      ['2026-03-09T09:00:00-04:00', '2026-03-13T17:00:00-04:00', 'b'],
    ])
    const daily = rot({
      type: 'daily',
      startDate: '2026-03-07T09:00',
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 8, startMin: 0, endHour: 10, endMin: 0 },
      },
    })
    expect(show(daily, z, '2026-03-08T00:00', '2026-03-09T00:00')).toEqual([
      ['2026-03-08T08:00:00-04:00', '2026-03-08T09:00:00-04:00', 'a'],
      ['2026-03-08T09:00:00-04:00', '2026-03-08T10:00:00-04:00', 'b'],
    ])
  })
})
