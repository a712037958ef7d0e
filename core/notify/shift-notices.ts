/**
 * "You are now on call" / "your shift ends" notices from a schedule's timeline. Pure.
 *
 * A user's shift is a maximal stretch during which they hold at least one rotation of the schedule (turns
 * of several rotations, or an override, that touch are one shift). A start is only known when the stretch
 * begins after the timeline's first instant, an end only when it ends before the last: callers look
 * behind and ahead far enough (the worker uses a day on each side of its window).
 */
import type { RotationPeriods } from '../oncall/types'
import { mergeRanges, type TimeRange } from '../time/restrictions'

/** One shift edge someone must hear about. */
export interface ShiftEdge {
  kind: 'schedule-start' | 'schedule-end'
  userId: string
  /** The shift (merged across rotations). */
  start: number
  end: number
  /** The instant of this edge (start or end). */
  at: number
}

/** Each user's merged on-call ranges in a timeline's final periods. */
export function userShifts(rotations: readonly RotationPeriods[]): Map<string, TimeRange[]> {
  const raw = new Map<string, TimeRange[]>()
  for (const r of rotations) {
    for (const p of r.periods) {
      if (p.participant.type !== 'user') continue
      const list = raw.get(p.participant.id) ?? []
      list.push({ start: p.start, end: p.end })
      raw.set(p.participant.id, list)
    }
  }
  return new Map([...raw].map(([u, ranges]) => [u, mergeRanges(ranges)]))
}

/**
 * Shift edges with `at` in [from, to) of a timeline computed over [tlFrom, tlTo): edges at the timeline's
 * own bounds are unknown and skipped.
 */
export function shiftEdges(
  rotations: readonly RotationPeriods[],
  tl: { from: number; to: number },
  from: number,
  to: number,
): ShiftEdge[] {
  const out: ShiftEdge[] = []
  for (const [userId, ranges] of userShifts(rotations)) {
    for (const r of ranges) {
      if (r.start > tl.from && r.start >= from && r.start < to)
        out.push({ kind: 'schedule-start', userId, start: r.start, end: r.end, at: r.start })
      if (r.end < tl.to && r.end >= from && r.end < to)
        out.push({ kind: 'schedule-end', userId, start: r.start, end: r.end, at: r.end })
    }
  }
  return out.sort((a, b) => a.at - b.at || a.userId.localeCompare(b.userId))
}

/** The idempotency key of a shift notice: one per (schedule, user, kind, shift start and end). */
export function noticeKey(scheduleId: string, e: ShiftEdge): string {
  return `${e.kind}:${scheduleId}:${e.userId}:${e.start}:${e.end}`
}
