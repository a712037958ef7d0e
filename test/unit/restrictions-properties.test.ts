import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { type TimeRestriction, WEEKDAYS } from '../../core/model/time-restriction'
import { isWithinRestriction, mergeRanges, restrictionWindows } from '../../core/time/restrictions'
import { DAY, range, timeRestriction, ZONES } from './oncall-arbitraries'

const WEEK = 7 * DAY

/** Instants inside [from, to): fractions of the range. */
const samples = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
  minLength: 1,
  maxLength: 30,
})

/** The restriction read on the wall clock alone (luxon's fields), valid away from DST transitions. */
function wallOracle(r: TimeRestriction, zone: string, t: number): boolean {
  const d = DateTime.fromMillis(t, { zone })
  const msOfDay = d.toMillis() - d.startOf('day').toMillis() + (d.startOf('day').offset - d.offset) * 60_000
  const inside = (pos: number, start: number, end: number, period: number): boolean => {
    const span = end > start ? end - start : end < start ? end + period - start : period
    return (((pos - start) % period) + period) % period < span
  }
  const hm = (h: number, m: number) => (h * 60 + m) * 60_000
  if (r.type === 'time-of-day') {
    const x = r.restriction
    return inside(msOfDay, hm(x.startHour, x.startMin), hm(x.endHour, x.endMin), DAY)
  }
  const msOfWeek = (d.weekday - 1) * DAY + msOfDay
  return r.restrictions.some((x) =>
    inside(
      msOfWeek,
      WEEKDAYS.indexOf(x.startDay) * DAY + hm(x.startHour, x.startMin),
      WEEKDAYS.indexOf(x.endDay) * DAY + hm(x.endHour, x.endMin),
      WEEK,
    ),
  )
}

const nearTransition = (zone: string, t: number): boolean =>
  DateTime.fromMillis(t - 30 * 3_600_000, { zone }).offset !==
  DateTime.fromMillis(t + 30 * 3_600_000, { zone }).offset

describe('restriction windows (properties)', () => {
  it('are sorted, merged, non-empty and inside [from, to)', () => {
    fc.assert(
      fc.property(timeRestriction, fc.constantFrom(...ZONES), range(60), (r, zone, { from, to }) => {
        const ws = restrictionWindows(r, zone, from, to)
        let prevEnd = Number.NEGATIVE_INFINITY
        for (const w of ws) {
          expect(w.start).toBeGreaterThanOrEqual(from)
          expect(w.end).toBeLessThanOrEqual(to)
          expect(w.end).toBeGreaterThan(w.start)
          expect(w.start).toBeGreaterThan(prevEnd) // not even touching: merged
          prevEnd = w.end
        }
      }),
      { numRuns: 200 },
    )
  })

  it('agree with isWithinRestriction, and with the wall clock away from DST changes', () => {
    fc.assert(
      fc.property(
        timeRestriction,
        fc.constantFrom(...ZONES),
        range(60),
        samples,
        (r, zone, { from, to }, fr) => {
          const ws = restrictionWindows(r, zone, from, to)
          for (const f of fr) {
            const t = Math.min(to - 1, Math.floor(from + f * (to - from)))
            const inWindows = ws.some((w) => w.start <= t && t < w.end)
            expect(isWithinRestriction(r, zone, t)).toBe(inWindows)
            if (!nearTransition(zone, t)) expect(wallOracle(r, zone, t)).toBe(inWindows)
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('do not depend on how the range is split', () => {
    fc.assert(
      fc.property(
        timeRestriction,
        fc.constantFrom(...ZONES),
        range(30),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (r, zone, { from, to }, f) => {
          const mid = Math.floor(from + f * (to - from))
          const whole = restrictionWindows(r, zone, from, to)
          const parts = mergeRanges([
            ...restrictionWindows(r, zone, from, mid),
            ...restrictionWindows(r, zone, mid, to),
          ])
          expect(parts).toEqual(whole)
        },
      ),
      { numRuns: 200 },
    )
  })
})
