import { type Static, Type } from '@sinclair/typebox'

/** Lower-case English weekday names, as Opsgenie writes them. */
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const
export const Weekday = Type.Union(WEEKDAYS.map((d) => Type.Literal(d)))
export type Weekday = Static<typeof Weekday>

const Hour = Type.Integer({ minimum: 0, maximum: 24 })
const Minute = Type.Integer({ minimum: 0, maximum: 59 })

/** One daily window, in the owner's time zone; an end before the start wraps past midnight. */
export const TimeOfDayRestriction = Type.Object({
  type: Type.Literal('time-of-day'),
  restriction: Type.Object({ startHour: Hour, startMin: Minute, endHour: Hour, endMin: Minute }),
})

/** Weekly windows such as Monday 09:00 to Friday 17:00 (at most 15), in the owner's time zone. */
export const WeekdayAndTimeOfDayRestriction = Type.Object({
  type: Type.Literal('weekday-and-time-of-day'),
  restrictions: Type.Array(
    Type.Object({
      startDay: Weekday,
      startHour: Hour,
      startMin: Minute,
      endDay: Weekday,
      endHour: Hour,
      endMin: Minute,
    }),
    { minItems: 1, maxItems: 15 },
  ),
})

/** Opsgenie's time restriction, shared by rotations, routing rules, notification rules and policies. */
export const TimeRestriction = Type.Union([TimeOfDayRestriction, WeekdayAndTimeOfDayRestriction])
export type TimeRestriction = Static<typeof TimeRestriction>
