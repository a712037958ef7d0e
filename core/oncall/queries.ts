/**
 * Schedule queries: who is on call at an instant, the timeline of a range, who is next and when nobody
 * is on call. Pure: every function takes the instants it needs (epoch milliseconds, ranges [from, to)).
 *
 * Rotations are layers that are all on call at once (Opsgenie); a schedule's answer is every rotation's
 * participant after overrides, flattened to user ids in rotation order. The calculators compute the
 * schedule as written: `enabled` is left to the caller (a disabled schedule still has a timeline to show).
 */
import type { Override, Participant, Schedule } from '../model/schedule'
import { isWithinRestriction, type TimeRange } from '../time/restrictions'
import { DAY_MS } from '../time/wall-clock'
import { clipToRange } from './clip'
import { type CompiledSchedule, compileSchedule } from './compile'
import { complementRanges, flattenUserIds, userCoverage } from './flatten'
import { applyOverrides, overrideAt } from './overrides'
import { compiledShifts, shiftIndexAt } from './shifts'
import type { Period, RotationPeriods, Shift } from './types'

/** One rotation's holder at an instant. */
export interface RotationOnCall {
  rotationId: string
  /** The participant after overrides; null when the rotation covers no one then (not started, ended, or outside its restriction). */
  participant: Participant | null
  /** The rotation slot on duty (also when an override replaced it). */
  participantIndex?: number
  overrideId?: string
}

/** The answer of `onCallAt`. */
export interface OnCall {
  at: number
  rotations: RotationOnCall[]
  /** Everyone on call, deduplicated, in rotation order. */
  userIds: string[]
}

/** An override as it shows in a timeline: cut to the range, with the rotations it applies to spelled out. */
export interface OverridePeriod {
  overrideId: string
  userId: string
  start: number
  end: number
  rotationIds: string[]
}

/** The answer of `timeline`: periods cut to [from, to). */
export interface Timeline {
  from: number
  to: number
  /** Per rotation, in schedule order: the rotation's own turns (restricted), without overrides. */
  base: RotationPeriods[]
  /** The schedule's overrides overlapping the range, ordered by start. */
  overrides: OverridePeriod[]
  /** Per rotation: the base periods with overrides laid over them. */
  final: RotationPeriods[]
}

/** The answer of `nextOnCall` for one rotation. */
export interface NextOnCall {
  rotationId: string
  /** The next user to come on call (after overrides) other than the one on call now; null if none within the horizon. */
  next: { userId: string; start: number; overrideId?: string } | null
}

/** How far `nextOnCall` looks ahead by default. */
export const NEXT_ON_CALL_HORIZON_MS = 732 * DAY_MS

const toPeriod = (s: Shift): Period => ({
  start: s.start,
  end: s.end,
  participant: s.participant,
  participantIndex: s.participantIndex,
})

/** One rotation's holder at t, without building any timeline. */
function rotationAt(cs: CompiledSchedule, i: number, t: number): RotationOnCall {
  const cr = cs.rotations[i]
  if (!cr) throw new RangeError(`no rotation ${i}`)
  const rotationId = cr.rotation.id
  const k = shiftIndexAt(cr, t)
  const r = cr.rotation.timeRestriction
  if (k < 0 || (r && !isWithinRestriction(r, cs.zone, t))) return { rotationId, participant: null }
  const participantIndex = k % cr.rotation.participants.length
  const ov = overrideAt(cs.overrides[i] ?? [], t)
  if (ov)
    return { rotationId, participant: { type: 'user', id: ov.userId }, participantIndex, overrideId: ov.id }
  return { rotationId, participant: cr.rotation.participants[participantIndex] ?? null, participantIndex }
}

/** Who is on call at an instant: per rotation (after overrides), and flattened. */
export function onCallAt(schedule: Schedule, instant: number): OnCall {
  const cs = compileSchedule(schedule)
  const rotations = cs.rotations.map((_, i) => rotationAt(cs, i, instant))
  return { at: instant, rotations, userIds: flattenUserIds(rotations.map((r) => r.participant)) }
}

/** One rotation's base periods in [from, to). */
function basePeriods(cs: CompiledSchedule, i: number, from: number, to: number): Period[] {
  const cr = cs.rotations[i]
  return cr ? clipToRange(compiledShifts(cr, from, to).map(toPeriod), from, to) : []
}

/** One rotation's final periods in [from, to). */
function finalPeriods(cs: CompiledSchedule, i: number, from: number, to: number): Period[] {
  return applyOverrides(basePeriods(cs, i, from, to), cs.overrides[i] ?? [])
}

function overridePeriod(o: Override, from: number, to: number, allIds: string[]): OverridePeriod {
  return {
    overrideId: o.id,
    userId: o.userId,
    start: Math.max(o.start, from),
    end: Math.min(o.end, to),
    rotationIds: o.rotationIds ?? allIds,
  }
}

/** The schedule's base, override and final timelines over [from, to). */
export function timeline(schedule: Schedule, from: number, to: number): Timeline {
  const cs = compileSchedule(schedule)
  const base: RotationPeriods[] = []
  const final: RotationPeriods[] = []
  cs.rotations.forEach((cr, i) => {
    const periods = to > from ? basePeriods(cs, i, from, to) : []
    base.push({ rotationId: cr.rotation.id, periods })
    final.push({ rotationId: cr.rotation.id, periods: applyOverrides(periods, cs.overrides[i] ?? []) })
  })
  const allIds = schedule.rotations.map((r) => r.id)
  const overrides = schedule.overrides
    .filter((o) => to > from && o.end > o.start && o.end > from && o.start < to)
    .map((o) => overridePeriod(o, from, to, allIds))
    .sort((a, b) => a.start - b.start)
  return { from, to, base, overrides, final }
}

/**
 * Per rotation, the next user to come on call after `instant` (other than whoever is on now) and when
 * their period starts, after restrictions and overrides; looks ahead at most `horizonMs`.
 */
export function nextOnCall(
  schedule: Schedule,
  instant: number,
  horizonMs = NEXT_ON_CALL_HORIZON_MS,
): NextOnCall[] {
  const cs = compileSchedule(schedule)
  return cs.rotations.map((cr, i) => {
    const now = rotationAt(cs, i, instant).participant
    const current = now?.type === 'user' ? now.id : undefined
    // Chunks of about two turns: the answer is usually in the first one, and a long search stays linear.
    const chunk = Math.min(28 * DAY_MS, Math.max(DAY_MS, 2 * cr.stepWall))
    const limit = Math.min(instant + horizonMs, cr.endAt)
    for (let from = instant; from < limit; from += chunk) {
      for (const p of finalPeriods(cs, i, from, Math.min(from + chunk, limit))) {
        // A period cut at a chunk edge started in an earlier chunk, where it was already seen.
        if (p.start <= instant || p.participant.type !== 'user' || p.participant.id === current) continue
        const next = { userId: p.participant.id, start: p.start }
        return {
          rotationId: cr.rotation.id,
          next: p.overrideId ? { ...next, overrideId: p.overrideId } : next,
        }
      }
    }
    return { rotationId: cr.rotation.id, next: null }
  })
}

/** The ranges within [from, to) in which no user is on call in any rotation (after overrides). */
export function gaps(schedule: Schedule, from: number, to: number): TimeRange[] {
  if (!(to > from)) return []
  return complementRanges(userCoverage(timeline(schedule, from, to).final), from, to)
}
