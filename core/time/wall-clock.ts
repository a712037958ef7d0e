/**
 * Wall-clock arithmetic in an IANA zone, fast enough for schedule calculators.
 *
 * A "wall" value is a local date-time read as if it were UTC, in milliseconds (the same representation
 * luxon uses internally: `DateTime.fromISO('2026-03-08T02:30', { zone: 'utc' }).toMillis()`). Wall time
 * has no DST, so a wall day is always 24 h and "plus one day" is `+ DAY_MS`: the same step luxon's
 * `plus({ days })` takes on a zoned date's local fields, without its cost (~20 µs per call); turning the
 * result back into an instant then follows the explicit rule below, not luxon's (which, for a repeated
 * wall time, depends on the offset it starts from).
 *
 * Every zone fact comes from luxon: offsets are read with `IANAZone.offset` and kept in a per-zone table of
 * transitions, built lazily in 28-day buckets (one luxon call per day plus a binary search per transition),
 * so a later lookup is a map read (or two comparisons when it falls in the same constant-offset stretch
 * as the previous one). The table grows by one small bucket per zone per 28 days queried. It assumes a
 * zone changes offset at most once in any 48 h, which holds for every zone in current tzdata.
 *
 * Converting wall time back to an instant needs a rule for wall times that occur twice (the repeated hour
 * when clocks go back) or never (the skipped hour when clocks go forward):
 * - repeated: `'first'` picks the earlier instant, `'last'` the later one (GoAlert's rule: a start takes
 *   the first instance, an end the last);
 * - skipped: both picks move forward to the first valid instant, the transition itself (02:30 on a
 *   02:00→03:00 spring-forward night becomes 03:00).
 */
import { DateTime, IANAZone } from 'luxon'

/** Wall-clock units in milliseconds (exact in wall time, which has no DST). */
export const MINUTE_MS = 60_000
/** One wall hour. */
export const HOUR_MS = 3_600_000
/** One wall day. */
export const DAY_MS = 86_400_000
/** One wall week. */
export const WEEK_MS = 7 * DAY_MS

/** Which instant a repeated wall time maps to. */
export type WallPick = 'first' | 'last'

// Small enough that a point query far from the last one builds little, large enough to amortise a map read.
const BUCKET_MS = 28 * DAY_MS

interface Bucket {
  /** Instants from which `offsets[i]` applies; `starts[0]` is the bucket start. */
  starts: number[]
  /** Offsets in milliseconds (wall = instant + offset). */
  offsets: number[]
}

/** One zone's offset table and wall-clock conversions; get instances through `zoneClock`. */
export class ZoneClock {
  private readonly zone: IANAZone
  private readonly buckets = new Map<number, Bucket>()
  // The constant-offset stretch found last: most lookups fall in it, and then cost two comparisons.
  private hitFrom = 0
  private hitTo = 0
  private hitOffset = 0

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name)
    if (!this.zone.isValid) throw new RangeError(`unknown time zone '${name}'`)
  }

  /** The zone's UTC offset at an instant, in milliseconds. */
  offsetMs(t: number): number {
    if (t >= this.hitFrom && t < this.hitTo) return this.hitOffset
    const key = Math.floor(t / BUCKET_MS)
    let b = this.buckets.get(key)
    if (!b) {
      b = this.build(key * BUCKET_MS)
      this.buckets.set(key, b)
    }
    const { starts, offsets } = b
    let i = starts.length - 1
    while (i > 0 && t < (starts[i] as number)) i--
    this.hitFrom = starts[i] as number
    this.hitTo = i + 1 < starts.length ? (starts[i + 1] as number) : (key + 1) * BUCKET_MS
    this.hitOffset = offsets[i] as number
    return this.hitOffset
  }

  /** The wall time (local date-time as UTC milliseconds) at an instant. */
  toWall(t: number): number {
    return t + this.offsetMs(t)
  }

  /** The instant of a wall time; see the module comment for repeated and skipped wall times. */
  fromWall(w: number, pick: WallPick): number {
    const early = this.offsetMs(w - DAY_MS)
    const late = this.offsetMs(w + DAY_MS)
    const a = w - early
    if (early === late) return a
    const b = w - late
    const okA = this.toWall(a) === w
    const okB = this.toWall(b) === w
    if (okA && okB) return pick === 'first' ? Math.min(a, b) : Math.max(a, b)
    if (okA) return a
    if (okB) return b
    // Skipped: the transition lies between the two candidates; find the first instant on the new offset.
    let lo = Math.min(a, b)
    let hi = Math.max(a, b)
    const before = this.offsetMs(lo)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (this.offsetMs(mid) === before) lo = mid
      else hi = mid
    }
    return hi
  }

  private luxonOffsetMs(t: number): number {
    return Math.round(this.zone.offset(t) * MINUTE_MS)
  }

  /** Samples the offset once per day and pins each change down to the millisecond. */
  private build(start: number): Bucket {
    const end = start + BUCKET_MS
    const starts = [start]
    const offsets = [this.luxonOffsetMs(start)]
    let prevT = start
    let prevO = offsets[0] as number
    for (let t = start + DAY_MS; prevT < end; t += DAY_MS) {
      const tt = Math.min(t, end)
      const o = this.luxonOffsetMs(tt)
      while (o !== prevO) {
        let lo = prevT
        let hi = tt
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2)
          if (this.luxonOffsetMs(mid) === prevO) lo = mid
          else hi = mid
        }
        if (hi >= end) break // belongs to the next bucket
        prevO = this.luxonOffsetMs(hi)
        prevT = hi
        starts.push(hi)
        offsets.push(prevO)
      }
      prevT = tt
    }
    return { starts, offsets }
  }
}

const clocks = new Map<string, ZoneClock>()

/** The shared ZoneClock of a zone (cached: its offset table fills as it is used); throws on an unknown zone. */
export function zoneClock(name: string): ZoneClock {
  let c = clocks.get(name)
  if (!c) {
    c = new ZoneClock(name)
    clocks.set(name, c)
  }
  return c
}

// A local date-time without offset: the schedule's zone gives it meaning.
const LOCAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/

/** Parses an ISO local date-time ('2026-03-01T09:00') to wall milliseconds; undefined if malformed or invalid. */
export function parseLocalDateTime(s: string): number | undefined {
  if (!LOCAL_RE.test(s)) return undefined
  const d = DateTime.fromISO(s, { zone: 'utc' })
  return d.isValid ? d.toMillis() : undefined
}

/** Formats wall milliseconds as an ISO local date-time ('2026-03-01T09:00:00.000'). */
export function formatWall(w: number): string {
  return DateTime.fromMillis(w, { zone: 'utc' }).toISO({ includeOffset: false }) ?? ''
}

/** Wall midnight of the wall day containing w. */
export function wallDayStart(w: number): number {
  return Math.floor(w / DAY_MS) * DAY_MS
}

/** Wall Monday 00:00 of the ISO week containing w. */
export function wallWeekStart(w: number): number {
  const day = Math.floor(w / DAY_MS)
  // 1970-01-01 was a Thursday: index 3 when Monday is 0.
  const weekday = (((day + 3) % 7) + 7) % 7
  return (day - weekday) * DAY_MS
}
