/**
 * Schedules, rotations and overrides (notes/opsgenie-api.md §4): one TypeBox source for validation, the
 * store and TypeScript types. The on-call calculators live in core/oncall.
 *
 * Time conventions:
 * - a rotation's `startDate` / `endDate` are wall-clock local date-times in the schedule's zone, without
 *   offset ('2026-03-01T09:00'): handoffs follow the wall clock, so a 09:00 handoff stays 09:00 across DST;
 * - an override's `start` / `end` are instants in epoch milliseconds (the unit of `Clock.now()`), so an
 *   override means the same real time whatever the zone; the API layer converts Opsgenie's ISO strings.
 */
import { type Static, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { IANAZone } from 'luxon'
import { parseLocalDateTime } from '../time/wall-clock'
import { TimeRestriction } from './time-restriction'

/** Rotation units; a shift is `length` of them. */
export const ROTATION_TYPES = ['hourly', 'daily', 'weekly'] as const
export type RotationType = (typeof ROTATION_TYPES)[number]
export const RotationType = Type.Union(ROTATION_TYPES.map((t) => Type.Literal(t)))

const Id = Type.String({ minLength: 1, maxLength: 512 })
const Name = Type.String({ minLength: 1, maxLength: 512 })
// Checked against luxon's zone database by validateSchedule; JSON Schema cannot.
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })
/** An ISO local date-time without offset, in the schedule's zone; calendar validity is checked by luxon. */
export const LocalDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?$',
})
/** An instant in epoch milliseconds. */
export const Instant = Type.Integer({ minimum: 0, maximum: 8.64e15 })

/** One slot of a rotation: a user, or 'none', a deliberate gap (nobody is on call for that turn). */
export const Participant = Type.Union([
  Type.Object({ type: Type.Literal('user'), id: Id }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
])
export type Participant = Static<typeof Participant>

/** A rotation: participants take turns in order, each for `length` hours, days or weeks. */
export const Rotation = Type.Object(
  {
    id: Id,
    name: Name,
    type: RotationType,
    // Opsgenie's way to express custom shifts: daily × 1 with 12 hours is hourly × 12, two weeks is weekly × 2.
    length: Type.Integer({ minimum: 1, maximum: 10_000 }),
    startDate: LocalDateTime,
    endDate: Type.Optional(LocalDateTime),
    participants: Type.Array(Participant, { minItems: 1, maxItems: 500 }),
    timeRestriction: Type.Optional(TimeRestriction),
  },
  { additionalProperties: false },
)
export type Rotation = Static<typeof Rotation>

/** Someone on call instead of the rotation's participant between two instants. */
export const Override = Type.Object(
  {
    /** Opsgenie's override alias. */
    id: Id,
    userId: Id,
    start: Instant,
    end: Instant,
    /** The rotations overridden; omitted means all of them. */
    rotationIds: Type.Optional(Type.Array(Id, { minItems: 1 })),
  },
  { additionalProperties: false },
)
export type Override = Static<typeof Override>

/** A schedule: rotations (all on call at once, in order) and overrides, in one time zone. */
export const Schedule = Type.Object(
  {
    id: Id,
    name: Name,
    description: Type.String({ maxLength: 10_000 }),
    timezone: TimeZone,
    enabled: Type.Boolean(),
    ownerTeamId: Type.Optional(Id),
    rotations: Type.Array(Rotation, { maxItems: 200 }),
    overrides: Type.Array(Override, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
)
export type Schedule = Static<typeof Schedule>

const checkShape = TypeCompiler.Compile(Schedule)

/** True when luxon knows the IANA zone name. */
export function isValidScheduleZone(zone: string): boolean {
  return IANAZone.isValidZone(zone)
}

/**
 * Problems with a schedule value, empty when valid: the JSON Schema shape, then what the schema cannot
 * say (known zone, real calendar dates, end after start, unique ids, overrides naming real rotations).
 */
export function validateSchedule(value: unknown): string[] {
  if (!checkShape.Check(value)) {
    return [...checkShape.Errors(value)].slice(0, 20).map((e) => `${e.path || '/'}: ${e.message}`)
  }
  const s = value
  const problems: string[] = []
  if (!isValidScheduleZone(s.timezone)) problems.push(`/timezone: unknown time zone '${s.timezone}'`)
  const rotationIds = new Set<string>()
  s.rotations.forEach((r, i) => {
    if (rotationIds.has(r.id)) problems.push(`/rotations/${i}/id: duplicate rotation id '${r.id}'`)
    rotationIds.add(r.id)
    const start = parseLocalDateTime(r.startDate)
    if (start === undefined) problems.push(`/rotations/${i}/startDate: not a valid date-time`)
    if (r.endDate !== undefined) {
      const end = parseLocalDateTime(r.endDate)
      if (end === undefined) problems.push(`/rotations/${i}/endDate: not a valid date-time`)
      else if (start !== undefined && end <= start)
        problems.push(`/rotations/${i}/endDate: must be after startDate`)
    }
  })
  const overrideIds = new Set<string>()
  s.overrides.forEach((o, i) => {
    if (overrideIds.has(o.id)) problems.push(`/overrides/${i}/id: duplicate override id '${o.id}'`)
    overrideIds.add(o.id)
    if (o.end <= o.start) problems.push(`/overrides/${i}/end: must be after start`)
    for (const id of o.rotationIds ?? []) {
      if (!rotationIds.has(id)) problems.push(`/overrides/${i}/rotationIds: unknown rotation '${id}'`)
    }
  })
  return problems
}
