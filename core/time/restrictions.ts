/**
 * Opsgenie time restrictions as windows of instants.
 *
 * Windows are wall-clock times in the owner's zone (09:00–17:00 stays 09:00–17:00 local across DST):
 * - time-of-day: every day from start to end; an end before the start wraps past midnight (22:00–06:00),
 *   an end of 24:00 means midnight at the end of the day, and start == end means the whole day (a window
 *   of 24 wall hours, so consecutive days merge into one unbroken window);
 * - weekday-and-time-of-day: each entry runs from startDay start time to endDay end time; an end at or
 *   before the start wraps the week (friday 17:00 → monday 09:00), and start == end means the whole week.
 *
 * DST (same rule as rotation handoffs, see core/time/wall-clock.ts): a boundary in the skipped hour moves
 * forward to the first valid instant (the transition), so a window lying entirely inside the skipped hour
 * is empty; in the repeated hour a window start takes the first occurrence and a window end the last, so a
 * window never loses time to the repetition (00:00–01:30 on a fall-back night covers both 01:00–01:30).
 */
import { type TimeRestriction, WEEKDAYS } from '../model/time-restriction'
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS, wallDayStart, wallWeekStart, zoneClock } from './wall-clock'

/** A half-open range of instants [start, end), epoch milliseconds. */
export interface TimeRange {
  start: number
  end: number
}

/** A restriction reduced to wall offsets: windows [offset, offset + span) repeating every `period`. */
interface Pattern {
  period: number
  windows: Array<{ offset: number; span: number }>
}

const patterns = new WeakMap<TimeRestriction, Pattern>()

/** Wall offsets of a restriction (cached per restriction object, which callers must not mutate). */
function pattern(r: TimeRestriction): Pattern {
  let p = patterns.get(r)
  if (p) return p
  if (r.type === 'time-of-day') {
    const { startHour, startMin, endHour, endMin } = r.restriction
    const start = startHour * HOUR_MS + startMin * MINUTE_MS
    const end = endHour * HOUR_MS + endMin * MINUTE_MS
    const span = end > start ? end - start : end < start ? end + DAY_MS - start : DAY_MS
    p = { period: DAY_MS, windows: [{ offset: start, span }] }
  } else {
    p = {
      period: WEEK_MS,
      windows: r.restrictions.map((x) => {
        const start = WEEKDAYS.indexOf(x.startDay) * DAY_MS + x.startHour * HOUR_MS + x.startMin * MINUTE_MS
        const end = WEEKDAYS.indexOf(x.endDay) * DAY_MS + x.endHour * HOUR_MS + x.endMin * MINUTE_MS
        return { offset: start, span: end > start ? end - start : end + WEEK_MS - start }
      }),
    }
  }
  patterns.set(r, p)
  return p
}

const periodStart = (p: Pattern, w: number): number =>
  p.period === DAY_MS ? wallDayStart(w) : wallWeekStart(w)

/**
 * The windows of a restriction that intersect [from, to), clipped to it, sorted and merged (touching
 * windows join). Instants are epoch milliseconds; `zone` is an IANA name.
 */
export function restrictionWindows(r: TimeRestriction, zone: string, from: number, to: number): TimeRange[] {
  if (!(to > from)) return []
  const clock = zoneClock(zone)
  const p = pattern(r)
  const raw: TimeRange[] = []
  // Windows are at most one period long and offsets are within a day of wall time, so starting two
  // periods before `from` and ending one after `to` (in wall terms) sees every window that can intersect.
  const last = periodStart(p, clock.toWall(to)) + p.period
  for (let base = periodStart(p, clock.toWall(from)) - 2 * p.period; base <= last; base += p.period) {
    for (const w of p.windows) {
      const ws = base + w.offset
      const start = clock.fromWall(ws, 'first')
      if (start >= to) continue
      const end = clock.fromWall(ws + w.span, 'last')
      if (end <= from || end <= start) continue
      raw.push({ start: Math.max(start, from), end: Math.min(end, to) })
    }
  }
  return mergeRanges(raw)
}

/** True when the instant lies inside one of the restriction's windows in the zone. */
export function isWithinRestriction(r: TimeRestriction, zone: string, instant: number): boolean {
  const clock = zoneClock(zone)
  const p = pattern(r)
  const wt = clock.toWall(instant)
  const here = periodStart(p, wt)
  for (let base = here - 2 * p.period; base <= here + p.period; base += p.period) {
    for (const w of p.windows) {
      const ws = base + w.offset
      const we = ws + w.span
      // A window's instants are within a DST shift (under a day) of its wall times: skip far ones cheaply.
      if (ws > wt + DAY_MS || we < wt - DAY_MS) continue
      if (clock.fromWall(ws, 'first') > instant) continue
      if (clock.fromWall(we, 'last') > instant) return true
    }
  }
  return false
}

/** Sorts ranges by start and joins overlapping or touching ones (a new array; empty ranges dropped). */
export function mergeRanges(ranges: TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start)
  const out: TimeRange[] = []
  for (const r of sorted) {
    const prev = out[out.length - 1]
    if (prev && r.start <= prev.end) {
      if (r.end > prev.end) prev.end = r.end
    } else out.push({ start: r.start, end: r.end })
  }
  return out
}
