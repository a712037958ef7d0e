import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { Rotation, Schedule } from '../../core/model/schedule'
import {
  compileRotation,
  flattenTimeline,
  gaps,
  nextOnCall,
  onCallAt,
  rotationShifts,
  type Shift,
  timeline,
  unrestrictedShifts,
} from '../../core/oncall'
import { isWithinRestriction, restrictionWindows } from '../../core/time/restrictions'
import { range, rotation, schedule, ZONES } from './oncall-arbitraries'

const RUNS = 200
/** Fractions of a range, mapped to instants inside it. */
const samples = (n: number) =>
  fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: n, maxLength: n })
const inRange = (from: number, to: number, f: number): number =>
  Math.min(to - 1, Math.floor(from + f * (to - from)))
const UNIT = { hourly: 'hours', daily: 'days', weekly: 'weeks' } as const

/** Luxon's reading of the handoff of turn k: startDate plus k × length units, on the wall clock. */
function luxonHandoffWall(r: Rotation, k: number): string {
  return DateTime.fromISO(r.startDate, { zone: 'utc' })
    .plus({ [UNIT[r.type]]: k * r.length })
    .toFormat("yyyy-MM-dd'T'HH:mm:ss")
}

describe('rotation shifts (properties)', () => {
  it('(a) unrestricted turns are ordered, contiguous and cover the span, one slot per instant, handoffs on the wall clock', () => {
    fc.assert(
      fc.property(
        rotation('r', false),
        fc.constantFrom(...ZONES),
        range(60),
        samples(20),
        (r, zone, { from, to }, fr) => {
          const cr = compileRotation(r, zone)
          const shifts = rotationShifts(r, zone, from, to)
          const lo = Math.max(from, cr.startAt)
          const hi = Math.min(to, cr.endAt)
          if (!(hi > lo)) {
            expect(shifts).toEqual([])
            return
          }
          expect((shifts[0] as Shift).start).toBeLessThanOrEqual(lo)
          expect((shifts[shifts.length - 1] as Shift).end).toBeGreaterThanOrEqual(hi)
          // Plain checks gathered into one assertion: thousands of expect() calls would dominate the run.
          const bad = shifts.filter((s, i) => {
            const next = shifts[i + 1]
            return (
              !(s.end > s.start) ||
              s.participantIndex !== s.shift % r.participants.length ||
              s.participant !== r.participants[s.participantIndex] ||
              (next !== undefined && (next.start !== s.end || next.shift <= s.shift))
            )
          })
          expect(bad).toEqual([])
          const slots = fr.map((f) => {
            const t = inRange(lo, hi, f)
            return shifts.filter((s) => s.start <= t && t < s.end).length
          })
          expect(slots.every((n) => n === 1)).toBe(true)
          // Each handoff is at luxon's wall time for its turn, or at the transition when that wall time is
          // skipped: checked on the first and last turns and on every turn DST made longer or shorter.
          const nominal = r.length * { hourly: 3_600_000, daily: 86_400_000, weekly: 604_800_000 }[r.type]
          const odd = shifts.filter((s) => s.end - s.start !== nominal && s.end !== cr.endAt)
          for (const s of [...shifts.slice(0, 5), ...shifts.slice(-5), ...odd]) {
            if (s.start === cr.startAt) continue
            const want = luxonHandoffWall(r, s.shift)
            const got = DateTime.fromMillis(s.start, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss")
            if (got !== want) {
              const before = DateTime.fromMillis(s.start - 1, { zone })
              expect(before.offset).not.toBe(DateTime.fromMillis(s.start, { zone }).offset)
              expect(got > want && before.toFormat("yyyy-MM-dd'T'HH:mm:ss") < want).toBe(true)
            }
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('(b) restricted turns lie inside the restriction windows and inside their unrestricted turn', () => {
    fc.assert(
      fc.property(rotation('r', true), fc.constantFrom(...ZONES), range(60), (r, zone, { from, to }) => {
        const restriction = r.timeRestriction
        if (!restriction) throw new Error('arbitrary gave no restriction')
        const parts = rotationShifts(r, zone, from, to)
        const whole = unrestrictedShifts(compileRotation(r, zone), from, to)
        const bad = parts.filter((p, i) => {
          const windows = restrictionWindows(restriction, zone, p.start, p.end)
          const turn = whole.find((w) => w.shift === p.shift)
          const next = parts[i + 1]
          return (
            windows.length !== 1 ||
            windows[0]?.start !== p.start ||
            windows[0]?.end !== p.end ||
            !isWithinRestriction(restriction, zone, p.start) ||
            !isWithinRestriction(restriction, zone, p.end - 1) ||
            !(turn && turn.start <= p.start && p.end <= turn.end) ||
            (next !== undefined && next.start < p.end)
          )
        })
        expect(bad).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })
})

describe('schedules (properties)', () => {
  it('(c) overrides win in their range for the rotations they name', () => {
    fc.assert(
      fc.property(schedule, samples(10), (s, fr) => {
        const bare: Schedule = { ...s, overrides: [] }
        const wrong: unknown[] = []
        for (const o of s.overrides) {
          for (const f of fr) {
            const t = inRange(o.start, o.end, f)
            const final = onCallAt(s, t)
            const base = onCallAt(bare, t)
            s.rotations.forEach((r, i) => {
              if (o.rotationIds && !o.rotationIds.includes(r.id)) return
              const got = final.rotations[i]
              // Where the rotation covers nobody there is nothing to replace; elsewhere the winner is the
              // last override in the list that covers t and names the rotation.
              const winner =
                base.rotations[i]?.participant === null
                  ? undefined
                  : s.overrides.findLast(
                      (x) => x.start <= t && t < x.end && (!x.rotationIds || x.rotationIds.includes(r.id)),
                    )
              const want = winner ? { type: 'user', id: winner.userId } : null
              if (JSON.stringify(got?.participant) !== JSON.stringify(want) || got?.overrideId !== winner?.id)
                wrong.push({ t, rotation: r.id, got, want: winner?.id })
            })
          }
        }
        expect(wrong).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })

  it('(d) the timeline, its flattening and gaps agree with the point query at random instants', () => {
    fc.assert(
      fc.property(schedule, range(60), samples(50), (s, { from, to }, fr) => {
        const tl = timeline(s, from, to)
        const flat = flattenTimeline(tl.final, from, to)
        const holes = gaps(s, from, to)
        const wrong: unknown[] = []
        for (const f of fr) {
          const t = inRange(from, to, f)
          const q = onCallAt(s, t)
          tl.final.forEach((rp, i) => {
            const hits = rp.periods.filter((p) => p.start <= t && t < p.end)
            const want = q.rotations[i]
            if (
              hits.length > 1 ||
              JSON.stringify(hits[0]?.participant ?? null) !== JSON.stringify(want?.participant) ||
              hits[0]?.overrideId !== want?.overrideId
            )
              wrong.push({ t, rotation: rp.rotationId, hits, want })
          })
          const flatIds = flat.find((p) => p.start <= t && t < p.end)?.userIds ?? []
          const inGap = holes.some((g) => g.start <= t && t < g.end)
          if (flatIds.join() !== q.userIds.join() || inGap !== (q.userIds.length === 0))
            wrong.push({ t, flatIds, inGap, userIds: q.userIds })
        }
        expect(wrong).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })

  it('(e) final periods are ordered and non-overlapping per rotation, and so is the flattened timeline', () => {
    fc.assert(
      fc.property(schedule, range(60), (s, { from, to }) => {
        const tl = timeline(s, from, to)
        const bad: unknown[] = []
        for (const list of [...tl.final.map((r) => r.periods), flattenTimeline(tl.final, from, to)]) {
          let prevEnd = from
          for (const p of list) {
            if (p.start < prevEnd || !(p.end > p.start) || p.end > to) bad.push(p)
            prevEnd = p.end
          }
        }
        expect(bad).toEqual([])
      }),
      { numRuns: RUNS },
    )
  })

  it('nextOnCall names a user who really comes on at that instant, with no other user in between', () => {
    fc.assert(
      fc.property(schedule, range(1), samples(10), (s, { from }, fr) => {
        const next = nextOnCall(s, from, 90 * 86_400_000)
        const now = onCallAt(s, from)
        next.forEach((n, i) => {
          if (!n.next) return
          const { userId, start } = n.next
          expect(start).toBeGreaterThan(from)
          expect(onCallAt(s, start).rotations[i]?.participant).toEqual({ type: 'user', id: userId })
          const current = now.rotations[i]?.participant
          expect(current?.type === 'user' && current.id === userId).toBe(false)
          for (const f of fr) {
            const p = onCallAt(s, inRange(from, start, f)).rotations[i]?.participant
            if (p?.type === 'user') expect(current).toEqual(p)
          }
        })
      }),
      { numRuns: RUNS },
    )
  })
})
