/**
 * Rotation turns: who holds a rotation when, computed arithmetically from the startDate.
 *
 * Handoffs follow the wall clock of the schedule's zone: turn k starts at the wall time
 * startDate + k × length × unit (hours, days or weeks of wall time, exactly luxon's `plus` in the zone), so
 * a daily 09:00 handoff stays 09:00 across DST and the participant on call at a given wall-clock reading is
 * the same as on any other day. A handoff is the start of the next turn, so (core/time/wall-clock.ts):
 * - a handoff in the repeated hour (clocks go back) happens at its first occurrence;
 * - a handoff in the skipped hour (clocks go forward) moves forward to the transition, the first valid
 *   instant.
 * Consequences, in America/New_York:
 * - daily 09:00: the turns spanning 2026-03-08 and 2026-11-01 last 23 h and 25 h of real time;
 * - hourly, on 2026-03-08 (02:00 EST → 03:00 EDT): the 01:00 turn runs 01:00–03:00 EDT (one real hour),
 *   the 02:00 turn starts and ends at 03:00 EDT, so it is empty and never returned: that participant
 *   misses the turn, and the 03:00 turn goes to the same participant as on any other day;
 * - hourly, on 2026-11-01 (02:00 EDT → 01:00 EST): the 01:00 turn starts at 01:00 EDT and runs until
 *   02:00 EST, two real hours (both 01:00 hours);
 * - a daily 02:30 handoff happens at 03:00 EDT on 2026-03-08 and at 01:30 EDT (the first) on 2026-11-01.
 * The rotation's endDate is an end, so it takes the last occurrence of a repeated wall time.
 * A time restriction then keeps only the parts of each turn inside its windows (core/time/restrictions.ts).
 */
import type { Rotation } from '../model/schedule'
import { restrictionWindows } from '../time/restrictions'
import { clipToWindows } from './clip'
import { type CompiledRotation, compileRotation } from './compile'
import type { Shift } from './types'

/** The instant turn k begins (wall-clock arithmetic, then the zone's DST rule). */
export function handoffAt(cr: CompiledRotation, k: number): number {
  return cr.clock.fromWall(cr.startWall + k * cr.stepWall, 'first')
}

/** The turn number holding the instant, ignoring restrictions; -1 before the start or after the end. */
export function shiftIndexAt(cr: CompiledRotation, t: number): number {
  if (t < cr.startAt || t >= cr.endAt) return -1
  // The wall-clock estimate is off by one at most, next to a repeated or skipped hour.
  let k = Math.max(0, Math.floor((cr.clock.toWall(t) - cr.startWall) / cr.stepWall))
  while (k > 0 && handoffAt(cr, k) > t) k--
  while (handoffAt(cr, k + 1) <= t) k++
  return k
}

/** The unrestricted turns overlapping [from, to), whole (not cut to the range), cut only at endDate. */
export function unrestrictedShifts(cr: CompiledRotation, from: number, to: number): Shift[] {
  const out: Shift[] = []
  const lo = Math.max(from, cr.startAt)
  const hi = Math.min(to, cr.endAt)
  if (!(hi > lo)) return out
  const participants = cr.rotation.participants
  const n = participants.length
  let k = shiftIndexAt(cr, lo)
  let start = handoffAt(cr, k)
  while (start < hi) {
    const next = handoffAt(cr, k + 1)
    const end = Math.min(next, cr.endAt)
    if (end > start) {
      const participantIndex = k % n
      out.push({
        start,
        end,
        shift: k,
        participantIndex,
        participant: participants[participantIndex] as Shift['participant'],
      })
    }
    k++
    start = next
  }
  return out
}

/** Turns overlapping [from, to) cut to the rotation's restriction windows (compiled form). */
export function compiledShifts(cr: CompiledRotation, from: number, to: number): Shift[] {
  const shifts = unrestrictedShifts(cr, from, to)
  const r = cr.rotation.timeRestriction
  const first = shifts[0]
  const last = shifts[shifts.length - 1]
  if (!r || !first || !last) return shifts
  const windows = restrictionWindows(r, cr.zone, first.start, last.end)
  return clipToWindows(shifts, windows).filter((s) => s.end > from && s.start < to)
}

/**
 * The shifts of one rotation overlapping [from, to) in the schedule's zone, ordered: whole turns (not cut
 * to the range), or for a restricted rotation the parts of turns inside its windows. Empty turns (a handoff
 * skipped by DST) never appear.
 */
export function rotationShifts(rotation: Rotation, zone: string, from: number, to: number): Shift[] {
  return compiledShifts(compileRotation(rotation, zone), from, to)
}
