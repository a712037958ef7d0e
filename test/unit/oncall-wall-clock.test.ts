import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  DAY_MS,
  formatWall,
  parseLocalDateTime,
  wallDayStart,
  wallWeekStart,
  zoneClock,
} from '../../core/time/wall-clock'

const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
  'UTC',
]
const Y2026 = Date.UTC(2026, 0, 1)
const Y2027 = Date.UTC(2027, 0, 1)

/** Luxon's own answer: the local date-time at t, read as UTC milliseconds. */
const luxonWall = (t: number, zone: string): number => {
  const d = DateTime.fromMillis(t, { zone })
  return DateTime.fromObject(d.toObject(), { zone: 'utc' }).toMillis()
}
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis()
const local = (t: number, zone: string): string =>
  DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true }) ?? ''
const wall = (s: string): number => parseLocalDateTime(s) as number

/** The 2026 transitions of the test zones (instants), as luxon reports them. */
const TRANSITIONS: Array<[string, string]> = [
  ['America/New_York', '2026-03-08T07:00:00Z'],
  ['America/New_York', '2026-11-01T06:00:00Z'],
  ['Europe/Berlin', '2026-03-29T01:00:00Z'],
  ['Europe/Berlin', '2026-10-25T01:00:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
  ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
  ['America/Santiago', '2026-04-05T03:00:00Z'],
  ['America/Santiago', '2026-09-06T04:00:00Z'],
]
/** A zone and a wall time, half of them within three hours of a 2026 transition. */
const zoneAndWall = fc.oneof(
  fc.tuple(fc.constantFrom(...ZONES), fc.integer({ min: Y2026, max: Y2027 })),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }))
    .map(([[zone, iso], d]): [string, number] => [zone, luxonWall(Date.parse(iso), zone) + d]),
)

describe('ZoneClock.toWall', () => {
  it('agrees with luxon at random instants in every test zone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Y2026 - 400 * DAY_MS, max: Y2027 + 400 * DAY_MS }),
        (zone, t) => {
          expect(zoneClock(zone).toWall(t)).toBe(luxonWall(t, zone))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('finds exactly the 2026 transitions luxon reports, to the millisecond', () => {
    for (const zone of ZONES) {
      const c = zoneClock(zone)
      const found: string[] = []
      for (let t = Y2026; t < Y2027; t += 15 * 60_000) {
        if (c.offsetMs(t) !== c.offsetMs(t - 1)) {
          found.push(new Date(t).toISOString().replace('.000', ''))
          for (const u of [t - 1, t]) expect(c.toWall(u)).toBe(luxonWall(u, zone))
        }
      }
      expect(found).toEqual(TRANSITIONS.filter(([z]) => z === zone).map(([, iso]) => iso))
    }
  })
})

describe('ZoneClock.fromWall', () => {
  it('inverts toWall for random wall times, picking the first or last of repeated ones', () => {
    fc.assert(
      fc.property(zoneAndWall, ([zone, w]) => {
        const c = zoneClock(zone)
        const first = c.fromWall(w, 'first')
        const last = c.fromWall(w, 'last')
        expect(first).toBeLessThanOrEqual(last)
        if (c.toWall(first) === w) {
          expect(c.toWall(last)).toBe(w)
          // Nothing earlier than `first` or later than `last` shows the same wall time.
          expect(luxonWall(first - 3_600_000, zone)).not.toBe(w)
          expect(luxonWall(last + 3_600_000, zone)).not.toBe(w)
        } else {
          // Skipped wall time: both move forward to the transition instant.
          expect(first).toBe(last)
          expect(c.offsetMs(first - 1)).not.toBe(c.offsetMs(first))
          expect(c.toWall(first)).toBeGreaterThan(w)
          expect(c.toWall(first - 1)).toBeLessThan(w)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('New York: 02:30 on 2026-03-08 does not exist and becomes 03:00 EDT', () => {
    const c = zoneClock('America/New_York')
    expect(local(c.fromWall(wall('2026-03-08T02:30'), 'first'), 'America/New_York')).toBe(
      '2026-03-08T03:00:00-04:00',
    )
    expect(local(c.fromWall(wall('2026-03-08T02:00'), 'last'), 'America/New_York')).toBe(
      '2026-03-08T03:00:00-04:00',
    )
  })

  it('New York: 01:30 on 2026-11-01 happens twice; first is EDT, last is EST', () => {
    const c = zoneClock('America/New_York')
    expect(local(c.fromWall(wall('2026-11-01T01:30'), 'first'), 'America/New_York')).toBe(
      '2026-11-01T01:30:00-04:00',
    )
    expect(local(c.fromWall(wall('2026-11-01T01:30'), 'last'), 'America/New_York')).toBe(
      '2026-11-01T01:30:00-05:00',
    )
  })

  it('Lord Howe: the 30-minute change, skipped 02:00–02:30 and repeated 01:30–02:00', () => {
    const z = 'Australia/Lord_Howe'
    const c = zoneClock(z)
    expect(local(c.fromWall(wall('2026-10-04T02:15'), 'first'), z)).toBe('2026-10-04T02:30:00+11:00')
    expect(local(c.fromWall(wall('2026-04-05T01:45'), 'first'), z)).toBe('2026-04-05T01:45:00+11:00')
    expect(local(c.fromWall(wall('2026-04-05T01:45'), 'last'), z)).toBe('2026-04-05T01:45:00+10:30')
    expect(c.fromWall(wall('2026-04-05T01:45'), 'last') - c.fromWall(wall('2026-04-05T01:45'), 'first')).toBe(
      30 * 60_000,
    )
  })

  it('Santiago: midnight of 2026-09-06 is skipped and becomes 01:00', () => {
    const z = 'America/Santiago'
    expect(local(zoneClock(z).fromWall(wall('2026-09-06T00:00'), 'first'), z)).toBe(
      '2026-09-06T01:00:00-03:00',
    )
    expect(at('2026-09-06T01:00', z)).toBe(zoneClock(z).fromWall(wall('2026-09-06T00:00'), 'last'))
  })

  it('Kolkata and UTC have no transitions', () => {
    expect(zoneClock('Asia/Kolkata').fromWall(wall('2026-06-01T09:00'), 'first')).toBe(
      Date.UTC(2026, 5, 1, 3, 30),
    )
    expect(zoneClock('UTC').fromWall(wall('2026-06-01T09:00'), 'last')).toBe(Date.UTC(2026, 5, 1, 9))
  })
})

describe('wall helpers', () => {
  it('parses local date-times and refuses offsets and impossible dates', () => {
    expect(parseLocalDateTime('2026-03-01T09:00')).toBe(Date.UTC(2026, 2, 1, 9))
    expect(parseLocalDateTime('2026-03-01T09:00:30.5')).toBe(Date.UTC(2026, 2, 1, 9, 0, 30, 500))
    expect(parseLocalDateTime('2026-03-01T09:00Z')).toBeUndefined()
    expect(parseLocalDateTime('2026-03-01T09:00+01:00')).toBeUndefined()
    expect(parseLocalDateTime('2026-02-30T09:00')).toBeUndefined()
    expect(parseLocalDateTime('2026-03-01')).toBeUndefined()
    expect(formatWall(Date.UTC(2026, 2, 1, 9))).toBe('2026-03-01T09:00:00.000')
  })

  it('finds the wall day and the Monday of the week', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 4e12 }), (w) => {
        const d = DateTime.fromMillis(w, { zone: 'utc' })
        expect(wallDayStart(w)).toBe(d.startOf('day').toMillis())
        expect(wallWeekStart(w)).toBe(d.startOf('week').toMillis())
      }),
      { numRuns: 200 },
    )
  })

  it('refuses an unknown zone', () => {
    expect(() => zoneClock('Mars/Olympus_Mons')).toThrow(RangeError)
  })
})
