/** fast-check arbitraries shared by the on-call and restriction property tests. */
import fc from 'fast-check'
import { DateTime } from 'luxon'
import type { Override, Participant, Rotation, Schedule } from '../../core/model/schedule'
import { type TimeRestriction, WEEKDAYS } from '../../core/model/time-restriction'

export const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
  'UTC',
] as const

export const DAY = 86_400_000
export const Y2026 = Date.UTC(2026, 0, 1)
export const Y2027 = Date.UTC(2027, 0, 1)

/** Minutes as Opsgenie sends them (0 or 30), sometimes any minute. */
const minute = fc.oneof(fc.constantFrom(0, 30), fc.integer({ min: 0, max: 59 }))
const endTime = fc.oneof(
  fc.record({ endHour: fc.integer({ min: 0, max: 23 }), endMin: minute }),
  fc.constant({ endHour: 24, endMin: 0 }),
)

export const timeRestriction: fc.Arbitrary<TimeRestriction> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 23 }), minute, endTime).map(([startHour, startMin, end]) => ({
    type: 'time-of-day' as const,
    restriction: { startHour, startMin, ...end },
  })),
  fc
    .array(
      fc
        .tuple(
          fc.constantFrom(...WEEKDAYS),
          fc.integer({ min: 0, max: 23 }),
          minute,
          fc.constantFrom(...WEEKDAYS),
          endTime,
        )
        .map(([startDay, startHour, startMin, endDay, end]) => ({
          startDay,
          startHour,
          startMin,
          endDay,
          ...end,
        })),
      { minLength: 1, maxLength: 4 },
    )
    .map((restrictions) => ({ type: 'weekday-and-time-of-day' as const, restrictions })),
)

/** Instants of the test zones' 2026 DST transitions, to aim ranges at. */
export const TRANSITIONS_2026 = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
].map((iso) => Date.parse(iso))

/** An instant in 2026, a third of them within three days of a DST transition. */
const instant2026 = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: Y2026, max: Y2027 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...TRANSITIONS_2026), fc.integer({ min: -3 * DAY, max: 3 * DAY }))
      .map(([t, d]) => t + d),
  },
)

/** A range [from, to) starting in 2026 (often near a DST transition), up to `maxDays` long. */
export const range = (maxDays = 60): fc.Arbitrary<{ from: number; to: number }> =>
  fc
    .tuple(instant2026, fc.integer({ min: 1, max: maxDays * DAY }))
    .map(([from, len]) => ({ from, to: from + len }))

const participant: fc.Arbitrary<Participant> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom('u1', 'u2', 'u3', 'u4').map((id) => ({ type: 'user' as const, id })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'none' as const }) },
)

/**
 * A local date-time from mid-2025 to the end of 2026 (so most 2026 ranges meet the rotation), on the hour
 * or half hour (as Opsgenie rounds them), sometimes any minute.
 */
const localStart = fc
  .tuple(fc.integer({ min: -180, max: 364 }), fc.integer({ min: 0, max: 23 }), minute)
  .map(([d, h, m]) =>
    DateTime.fromMillis(Y2026 + d * DAY + h * 3_600_000 + m * 60_000, { zone: 'utc' }).toFormat(
      "yyyy-MM-dd'T'HH:mm",
    ),
  )

export const rotation = (id: string, restricted?: boolean): fc.Arbitrary<Rotation> =>
  fc
    .record({
      type: fc.constantFrom('hourly' as const, 'daily' as const, 'weekly' as const),
      length: fc.integer({ min: 1, max: 4 }),
      startDate: localStart,
      participants: fc.array(participant, { minLength: 1, maxLength: 6 }),
      restriction:
        restricted === undefined
          ? fc.option(timeRestriction, { nil: undefined })
          : restricted
            ? timeRestriction
            : fc.constant(undefined),
      endDays: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    })
    .map((r) => {
      const rot: Rotation = {
        id,
        name: `rotation ${id}`,
        type: r.type,
        length: r.length,
        startDate: r.startDate,
        participants: r.participants,
      }
      if (r.restriction) rot.timeRestriction = r.restriction
      if (r.endDays !== undefined)
        rot.endDate = DateTime.fromISO(r.startDate, { zone: 'utc' })
          .plus({ days: r.endDays, minutes: 30 })
          .toFormat("yyyy-MM-dd'T'HH:mm")
      return rot
    })

const override = (i: number, rotationIds: string[]): fc.Arbitrary<Override> =>
  fc
    .record({
      start: instant2026,
      len: fc.integer({ min: 60_000, max: 10 * DAY }),
      userId: fc.constantFrom('o1', 'o2', 'u1'),
      rotationIds: fc.option(fc.subarray(rotationIds, { minLength: 1 }), { nil: undefined }),
    })
    .map((o) => {
      const ov: Override = { id: `ov${i}`, userId: o.userId, start: o.start, end: o.start + o.len }
      if (o.rotationIds) ov.rotationIds = o.rotationIds
      return ov
    })

/** A schedule of 1–3 random rotations and 0–6 random overrides in one of the test zones. */
export const schedule: fc.Arbitrary<Schedule> = fc
  .tuple(fc.constantFrom(...ZONES), fc.integer({ min: 1, max: 3 }))
  .chain(([timezone, n]) => {
    const ids = Array.from({ length: n }, (_, i) => `r${i}`)
    return fc
      .tuple(fc.tuple(...ids.map((id) => rotation(id))), fc.integer({ min: 0, max: 6 }))
      .chain(([rotations, m]) =>
        fc.tuple(...Array.from({ length: m }, (_, i) => override(i, ids))).map((overrides) => ({
          id: 's1',
          name: 'schedule',
          description: '',
          timezone,
          enabled: true,
          rotations,
          overrides,
        })),
      )
  })
