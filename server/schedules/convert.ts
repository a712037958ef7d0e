/**
 * Opsgenie's schedule, rotation and override bodies (notes/opsgenie-api.md §4) and their conversion to and
 * from core's model. Opsgenie dates are instants with an offset; a rotation's dates become wall-clock
 * times in the schedule's zone (so handoffs follow the local clock across DST), an override's become
 * epoch milliseconds.
 */
import { type Static, Type } from '@sinclair/typebox'
import type { Kysely } from 'kysely'
import { DateTime } from 'luxon'
import {
  type Override,
  type Participant,
  type Rotation,
  RotationType,
  type Schedule,
  validateSchedule,
} from '../../core/model/schedule'
import { TimeRestriction } from '../../core/model/time-restriction'
import { opsgenieDate } from '../../core/oncall'
import { ApiError } from '../api/envelope'
import { UNPROCESSABLE } from '../api/opsgenie/access'
import type { Database } from '../store/schema'
import { findUser, type LoadedSchedule } from './store'

const Text = (max = 512) => Type.String({ minLength: 1, maxLength: max })
const DateText = Type.String({ minLength: 1, maxLength: 64 })

/** A participant or override user as Opsgenie writes it: `{type:'user', id|username}` or `{type:'none'}`. */
export const OpsRecipient = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 32 }),
  id: Type.Optional(Text()),
  username: Type.Optional(Text()),
  name: Type.Optional(Text()),
})
export type OpsRecipient = Static<typeof OpsRecipient>

export const RotationBody = Type.Object({
  name: Type.Optional(Text()),
  startDate: DateText,
  endDate: Type.Optional(DateText),
  type: RotationType,
  length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  participants: Type.Array(OpsRecipient, { minItems: 1, maxItems: 500 }),
  timeRestriction: Type.Optional(TimeRestriction),
})
export type RotationBody = Static<typeof RotationBody>
export const RotationPatch = Type.Partial(RotationBody)
export type RotationPatch = Static<typeof RotationPatch>

const TeamRef = Type.Object({ id: Type.Optional(Text()), name: Type.Optional(Text()) })

export const ScheduleCreate = Type.Object({
  name: Text(),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  timezone: Type.Optional(Text(64)),
  enabled: Type.Optional(Type.Boolean()),
  ownerTeam: Type.Optional(TeamRef),
  rotations: Type.Optional(Type.Array(RotationBody, { maxItems: 200 })),
})
export type ScheduleCreate = Static<typeof ScheduleCreate>
export const SchedulePatch = Type.Partial(ScheduleCreate)
export type SchedulePatch = Static<typeof SchedulePatch>

export const OverrideBody = Type.Object({
  alias: Type.Optional(Text()),
  user: OpsRecipient,
  startDate: DateText,
  endDate: DateText,
  rotations: Type.Optional(
    Type.Array(Type.Object({ id: Type.Optional(Text()), name: Type.Optional(Text()) }), { minItems: 1 }),
  ),
})
export type OverrideBody = Static<typeof OverrideBody>

type Db = Kysely<Database>

/** 422 naming one field, in Opsgenie's per-field error shape. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError(422, UNPROCESSABLE, { [field]: message })
}

/** An ISO date-time (with offset; without one it is read in `zone`) as wall-clock time in `zone`. */
export function toLocalDateTime(text: string, zone: string, field: string): string {
  const d = DateTime.fromISO(text, { zone })
  if (!d.isValid) throw invalid(field, `'${text}' is not an ISO 8601 date-time`)
  return d.toFormat("yyyy-MM-dd'T'HH:mm:ss")
}

/** An ISO date-time with offset (or epoch milliseconds) as epoch milliseconds. */
export function toInstant(text: string, field: string): number {
  if (/^\d{1,16}$/.test(text)) return Number(text)
  const d = DateTime.fromISO(text, { zone: 'utc' })
  if (!d.isValid) throw invalid(field, `'${text}' is not an ISO 8601 date-time`)
  return d.toMillis()
}

/** A wall-clock date of a rotation as Opsgenie shows it: the instant, in UTC. */
function wallToOpsgenie(local: string, zone: string): string {
  return opsgenieDate(DateTime.fromISO(local, { zone }).toMillis())
}

/** A user reference resolved to a user id, or 422 naming the field. */
async function resolveUserRef(db: Db, ref: OpsRecipient, field: string): Promise<string> {
  if (ref.id === undefined && ref.username === undefined)
    throw invalid(field, 'a user needs an id or a username')
  const user = await findUser(db, ref)
  if (!user) throw invalid(field, `user '${ref.id ?? ref.username}' does not exist`)
  return user.id
}

async function participantOf(db: Db, p: OpsRecipient, field: string): Promise<Participant> {
  if (p.type === 'none') return { type: 'none' }
  if (p.type !== 'user') throw invalid(`${field}.type`, `participant type '${p.type}' is not supported`)
  return { type: 'user', id: await resolveUserRef(db, p, field) }
}

/** A rotation body (create, or a patch over `base`) as core's Rotation in the schedule's zone. */
export async function rotationFromBody(
  db: Db,
  body: RotationPatch,
  opts: { id: string; zone: string; field: string; base?: Rotation; defaultName: string },
): Promise<Rotation> {
  const { field, zone, base } = opts
  const type = body.type ?? base?.type
  if (type === undefined) throw invalid(`${field}.type`, 'is required')
  const startDate =
    body.startDate !== undefined
      ? toLocalDateTime(body.startDate, zone, `${field}.startDate`)
      : base?.startDate
  if (startDate === undefined) throw invalid(`${field}.startDate`, 'is required')
  let participants = base?.participants
  if (body.participants !== undefined) {
    participants = []
    for (const [i, p] of body.participants.entries())
      participants.push(await participantOf(db, p, `${field}.participants[${i}]`))
  }
  if (participants === undefined || participants.length === 0)
    throw invalid(`${field}.participants`, 'is required')
  const r: Rotation = {
    id: opts.id,
    name: body.name ?? base?.name ?? opts.defaultName,
    type,
    length: body.length ?? base?.length ?? 1,
    startDate,
    participants,
  }
  const endDate =
    body.endDate !== undefined ? toLocalDateTime(body.endDate, zone, `${field}.endDate`) : base?.endDate
  if (endDate !== undefined) r.endDate = endDate
  const restriction = body.timeRestriction ?? base?.timeRestriction
  if (restriction !== undefined) r.timeRestriction = restriction
  return r
}

/** Resolves an override body to core's Override (rotations by id or name among the schedule's). */
export async function overrideFromBody(
  db: Db,
  body: OverrideBody,
  schedule: Schedule,
  alias: string,
): Promise<Override> {
  if (body.user.type !== 'user')
    throw invalid('user.type', `override user type '${body.user.type}' is not supported`)
  const o: Override = {
    id: alias,
    userId: await resolveUserRef(db, body.user, 'user'),
    start: toInstant(body.startDate, 'startDate'),
    end: toInstant(body.endDate, 'endDate'),
  }
  if (o.end <= o.start) throw invalid('endDate', 'must be after startDate')
  if (body.rotations) {
    o.rotationIds = body.rotations.map((ref, i) => {
      const r = schedule.rotations.find((x) => (ref.id !== undefined ? x.id === ref.id : x.name === ref.name))
      if (!r) throw invalid(`rotations[${i}]`, `rotation '${ref.id ?? ref.name}' does not exist`)
      return r.id
    })
  }
  return o
}

/** Throws 422 with validateSchedule's problems as Opsgenie fields ('/rotations/0/endDate' → 'rotations[0].endDate'). */
export function checkSchedule(schedule: Schedule): void {
  const problems = validateSchedule(schedule)
  if (problems.length === 0) return
  const errors: Record<string, string> = {}
  for (const p of problems) {
    const cut = p.indexOf(': ')
    const path = cut === -1 ? '/' : p.slice(0, cut)
    const message = cut === -1 ? p : p.slice(cut + 2)
    const key =
      path
        .split('/')
        .filter(Boolean)
        .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
        .join('')
        .replace(/^\./, '') || 'body'
    errors[key] = errors[key] ? `${errors[key]}; ${message}` : message
  }
  throw new ApiError(422, UNPROCESSABLE, errors)
}

type Names = Map<string, string>

function participantView(p: Participant, names: Names) {
  return p.type === 'none' ? { type: 'none' } : { type: 'user', id: p.id, username: names.get(p.id) ?? p.id }
}

/** A rotation as Opsgenie shows it. */
export function rotationView(r: Rotation, zone: string, names: Names) {
  const view: Record<string, unknown> = {
    id: r.id,
    name: r.name,
    startDate: wallToOpsgenie(r.startDate, zone),
    type: r.type,
    length: r.length,
    participants: r.participants.map((p) => participantView(p, names)),
  }
  if (r.endDate !== undefined) view.endDate = wallToOpsgenie(r.endDate, zone)
  if (r.timeRestriction !== undefined) view.timeRestriction = r.timeRestriction
  return view
}

/** A schedule as Opsgenie shows it. */
export function scheduleView({ row, schedule }: LoadedSchedule, names: Names) {
  return {
    id: schedule.id,
    name: schedule.name,
    description: schedule.description,
    timezone: schedule.timezone,
    enabled: schedule.enabled,
    ownerTeam: { id: row.team_id, name: row.team_name },
    rotations: schedule.rotations.map((r) => rotationView(r, schedule.timezone, names)),
  }
}

/** An override as Opsgenie shows it. */
export function overrideView(o: Override, schedule: Schedule, names: Names) {
  const ids = o.rotationIds ?? schedule.rotations.map((r) => r.id)
  return {
    alias: o.id,
    user: { type: 'user', id: o.userId, username: names.get(o.userId) ?? o.userId },
    startDate: opsgenieDate(o.start),
    endDate: opsgenieDate(o.end),
    rotations: ids.map((id) => ({ id, name: schedule.rotations.find((r) => r.id === id)?.name ?? id })),
  }
}
