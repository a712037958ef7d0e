/** Flattening rotations into one answer: who is on call across the schedule, and when nobody is. */
import type { Participant } from '../model/schedule'
import { mergeRanges, type TimeRange } from '../time/restrictions'
import type { RotationPeriods } from './types'

/** One stretch of time with the same set of users on call across all rotations. */
export interface FlatPeriod {
  start: number
  end: number
  /** Deduplicated user ids, in rotation order. */
  userIds: string[]
}

/** User ids of the given participants, deduplicated, in order ('none' and null skipped). */
export function flattenUserIds(participants: ReadonlyArray<Participant | null>): string[] {
  const out: string[] = []
  for (const p of participants) if (p?.type === 'user' && !out.includes(p.id)) out.push(p.id)
  return out
}

/** The merged ranges during which at least one rotation has a user on call. */
export function userCoverage(rotations: readonly RotationPeriods[]): TimeRange[] {
  const ranges: TimeRange[] = []
  for (const r of rotations) {
    for (const p of r.periods) if (p.participant.type === 'user') ranges.push({ start: p.start, end: p.end })
  }
  return mergeRanges(ranges)
}

/** The parts of [from, to) not covered by the given merged, sorted ranges. */
export function complementRanges(covered: readonly TimeRange[], from: number, to: number): TimeRange[] {
  const out: TimeRange[] = []
  let cursor = from
  for (const r of covered) {
    if (r.end <= cursor) continue
    if (r.start >= to) break
    if (r.start > cursor) out.push({ start: cursor, end: r.start })
    cursor = Math.max(cursor, r.end)
  }
  if (cursor < to) out.push({ start: cursor, end: to })
  return out
}

/**
 * The rotations' periods (each ordered and non-overlapping) flattened into stretches with a constant set
 * of users, in [from, to); stretches with nobody on call are left out (see `complementRanges`).
 */
export function flattenTimeline(
  rotations: readonly RotationPeriods[],
  from: number,
  to: number,
): FlatPeriod[] {
  const bounds = new Set<number>([from, to])
  for (const r of rotations) {
    for (const p of r.periods) {
      if (p.start > from && p.start < to) bounds.add(p.start)
      if (p.end > from && p.end < to) bounds.add(p.end)
    }
  }
  const sorted = [...bounds].sort((a, b) => a - b)
  const ptr = rotations.map(() => 0)
  const out: FlatPeriod[] = []
  for (let j = 0; j + 1 < sorted.length; j++) {
    const start = sorted[j] as number
    const end = sorted[j + 1] as number
    const userIds: string[] = []
    rotations.forEach((r, i) => {
      let k = ptr[i] as number
      while (k < r.periods.length && (r.periods[k]?.end as number) <= start) k++
      ptr[i] = k
      const p = r.periods[k]
      // Boundaries include every period edge, so a period that has begun covers the whole stretch.
      if (p && p.start <= start && p.participant.type === 'user' && !userIds.includes(p.participant.id))
        userIds.push(p.participant.id)
    })
    if (userIds.length === 0) continue
    const prev = out[out.length - 1]
    if (prev && prev.end === start && sameIds(prev.userIds, userIds)) prev.end = end
    else out.push({ start, end, userIds })
  }
  return out
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
