/** The benchmark's schedule: 20 restricted rotations and 500 overrides over 2026, built from a fixed seed. */
import { DateTime } from 'luxon'
import type { Override, Participant, Rotation, Schedule } from '../../core/model/schedule'
import type { TimeRestriction } from '../../core/model/time-restriction'

/** What shapes the fixture; the defaults are the figures. */
export interface FixtureOptions {
  zone: string
  rotations: number
  overrides: number
  seed: number
  year: number
}

/** The schedule: 20 rotations, 500 overrides, a zone with DST. */
export const DEFAULT_FIXTURE: FixtureOptions = {
  zone: 'America/New_York',
  rotations: 20,
  overrides: 500,
  seed: 20260101,
  year: 2026,
}

/** mulberry32: a small deterministic PRNG, so every run measures the same schedule. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const tod = (startHour: number, endHour: number): TimeRestriction => ({
  type: 'time-of-day',
  restriction: { startHour, startMin: 0, endHour, endMin: 0 },
})

/** Five rotation shapes, each with a different kind of restriction (wrapping ones included). */
const SHAPES: Array<Pick<Rotation, 'type' | 'length' | 'startDate' | 'timeRestriction'> & { label: string }> =
  [
    {
      label: 'daily, 09–17',
      type: 'daily',
      length: 1,
      startDate: '-01-05T09:00',
      timeRestriction: tod(9, 17),
    },
    {
      label: 'weekly, Mon 09 → Fri 17',
      type: 'weekly',
      length: 1,
      startDate: '-01-05T09:00',
      timeRestriction: {
        type: 'weekday-and-time-of-day',
        restrictions: [
          { startDay: 'monday', startHour: 9, startMin: 0, endDay: 'friday', endHour: 17, endMin: 0 },
        ],
      },
    },
    {
      label: '12-hourly, 20–08 (wraps midnight)',
      type: 'hourly',
      length: 12,
      startDate: '-01-01T08:00',
      timeRestriction: tod(20, 8),
    },
    {
      label: 'two-weekly, Fri 17 → Mon 09 (wraps the week)',
      type: 'weekly',
      length: 2,
      startDate: '-01-02T17:00',
      timeRestriction: {
        type: 'weekday-and-time-of-day',
        restrictions: [
          { startDay: 'friday', startHour: 17, startMin: 0, endDay: 'monday', endHour: 9, endMin: 0 },
        ],
      },
    },
    {
      label: '3-daily, Mon/Wed/Fri 08–20',
      type: 'daily',
      length: 3,
      startDate: '-01-02T00:00',
      timeRestriction: {
        type: 'weekday-and-time-of-day',
        restrictions: (['monday', 'wednesday', 'friday'] as const).map((d) => ({
          startDay: d,
          startHour: 8,
          startMin: 0,
          endDay: d,
          endHour: 20,
          endMin: 0,
        })),
      },
    },
  ]

/** Labels of the rotation shapes, for the report. */
export const SHAPE_LABELS = SHAPES.map((s) => s.label)

/** Builds the schedule. */
export function buildSchedule(o: FixtureOptions = DEFAULT_FIXTURE): Schedule {
  const rand = prng(o.seed)
  const pick = (n: number): number => Math.floor(rand() * n)
  const rotations: Rotation[] = Array.from({ length: o.rotations }, (_, i) => {
    const shape = SHAPES[i % SHAPES.length] as (typeof SHAPES)[number]
    const participants: Participant[] = Array.from({ length: 4 + (i % 5) }, (_, j) => ({
      type: 'user',
      id: `u${String(((i * 7 + j) % 40) + 1).padStart(2, '0')}`,
    }))
    if (i % 4 === 3) participants.push({ type: 'none' })
    const { label: _label, ...rest } = shape
    return {
      id: `r${i + 1}`,
      name: `rotation ${i + 1}`,
      ...rest,
      startDate: `${o.year}${shape.startDate}`,
      participants,
    }
  })
  const yearStart = DateTime.fromObject({ year: o.year }, { zone: o.zone }).toMillis()
  const yearEnd = DateTime.fromObject({ year: o.year + 1 }, { zone: o.zone }).toMillis()
  const halfHour = 30 * 60_000
  const overrides: Override[] = Array.from({ length: o.overrides }, (_, i) => {
    const start = yearStart + pick(Math.floor((yearEnd - yearStart) / halfHour)) * halfHour
    const ov: Override = {
      id: `ov${i + 1}`,
      userId: `u${String(pick(40) + 1).padStart(2, '0')}`,
      start,
      end: start + (2 + pick(143)) * halfHour,
    }
    if (rand() < 0.4) {
      const ids = new Set(Array.from({ length: 1 + pick(3) }, () => `r${pick(o.rotations) + 1}`))
      ov.rotationIds = [...ids]
    }
    return ov
  })
  return {
    id: 'bench',
    name: 'oncall benchmark',
    description: '',
    timezone: o.zone,
    enabled: true,
    rotations,
    overrides,
  }
}

/** The fixture year as [from, to) instants in the schedule's zone. */
export function yearRange(o: FixtureOptions = DEFAULT_FIXTURE): { from: number; to: number } {
  return {
    from: DateTime.fromObject({ year: o.year }, { zone: o.zone }).toMillis(),
    to: DateTime.fromObject({ year: o.year + 1 }, { zone: o.zone }).toMillis(),
  }
}
