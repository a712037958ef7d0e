import { type Static, Type } from '@sinclair/typebox'
import { clip } from '../integrations/text'
import { PRIORITIES, type Priority } from './alert'

/** Opsgenie's heartbeat field limits (notes/opsgenie-api.md §3). */
export const HEARTBEAT_LIMITS = {
  name: 200,
  description: 10_000,
  alertMessage: 130,
  tagCount: 20,
  tagLength: 50,
  /** Not Opsgenie's: keeps `start + interval` (epoch ms) a safe integer even in days. */
  interval: 100_000,
} as const

export const INTERVAL_UNITS = ['minutes', 'hours', 'days'] as const
export type IntervalUnit = (typeof INTERVAL_UNITS)[number]
// A plain enum rather than a union of literals: Ajv then reports one readable error per field.
export const IntervalUnit = Type.Unsafe<IntervalUnit>({ type: 'string', enum: [...INTERVAL_UNITS] })
const AlertPriority = Type.Unsafe<Priority>({ type: 'string', enum: [...PRIORITIES] })

const UNIT_MS: Record<IntervalUnit, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 }

/** The interval in milliseconds: a duration, not calendar arithmetic, so DST never stretches it. */
export function intervalMs(interval: number, unit: IntervalUnit): number {
  return interval * UNIT_MS[unit]
}

/** The tag every expiry alert carries, so searches (`tag:heartbeat`) find them. */
export const HEARTBEAT_TAG = 'heartbeat'

/** The stable alias of a heartbeat's expiry alert: repeats dedup, and a ping finds it to close it. */
export function heartbeatAlias(name: string): string {
  return `heartbeat-${name}`
}

/** Opsgenie's default alert message, "<name> is expired", cut to the message limit. */
export function defaultAlertMessage(name: string): string {
  return clip(`${name} is expired`, HEARTBEAT_LIMITS.alertMessage)
}

/**
 * The expiry alert's tags: the heartbeat's own (trimmed, repeats dropped) plus `heartbeat`. An alert holds
 * at most 20 tags, so with 20 own tags the last one gives way: the marker tag is what filters rely on.
 */
export function expiryAlertTags(alertTags: readonly string[]): string[] {
  const own: string[] = []
  for (const t of alertTags) {
    const tag = t.trim()
    if (tag && tag !== HEARTBEAT_TAG && !own.includes(tag)) own.push(tag)
  }
  return [...own.slice(0, HEARTBEAT_LIMITS.tagCount - 1), HEARTBEAT_TAG]
}

const OwnerTeam = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { minProperties: 1 },
)
const Description = Type.String({ maxLength: HEARTBEAT_LIMITS.description })
const Interval = Type.Integer({ minimum: 1, maximum: HEARTBEAT_LIMITS.interval })
const AlertMessage = Type.String({ maxLength: HEARTBEAT_LIMITS.alertMessage })
const AlertTags = Type.Array(Type.String({ maxLength: HEARTBEAT_LIMITS.tagLength }), {
  maxItems: HEARTBEAT_LIMITS.tagCount,
})

// Unknown fields are ignored rather than refused, as Opsgenie does: Terraform and the SDKs send extras.
/** POST /v2/heartbeats. `autoClose` is Vigil's: a ping after expiry closes the expiry alert (default true). */
export const HeartbeatCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: HEARTBEAT_LIMITS.name }),
    description: Type.Optional(Description),
    interval: Interval,
    intervalUnit: IntervalUnit,
    enabled: Type.Boolean(),
    ownerTeam: Type.Optional(OwnerTeam),
    alertMessage: Type.Optional(AlertMessage),
    alertTags: Type.Optional(AlertTags),
    alertPriority: Type.Optional(AlertPriority),
    autoClose: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
)
export type HeartbeatCreate = Static<typeof HeartbeatCreate>

/** PATCH /v2/heartbeats/:name: every field but the name, which identifies the heartbeat. */
export const HeartbeatPatch = Type.Object(
  {
    description: Type.Optional(Description),
    interval: Type.Optional(Interval),
    intervalUnit: Type.Optional(IntervalUnit),
    enabled: Type.Optional(Type.Boolean()),
    ownerTeam: Type.Optional(OwnerTeam),
    alertMessage: Type.Optional(AlertMessage),
    alertTags: Type.Optional(AlertTags),
    alertPriority: Type.Optional(AlertPriority),
    autoClose: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
)
export type HeartbeatPatch = Static<typeof HeartbeatPatch>

/** A heartbeat as the API shows it (Opsgenie's fields plus `autoClose`); `lastPingTime` only once pinged. */
export const Heartbeat = Type.Object({
  name: Type.String(),
  description: Type.String(),
  interval: Type.Integer(),
  intervalUnit: IntervalUnit,
  enabled: Type.Boolean(),
  expired: Type.Boolean(),
  lastPingTime: Type.Optional(Type.String({ format: 'date-time' })),
  ownerTeam: Type.Object({ id: Type.String(), name: Type.String() }),
  alertMessage: Type.String(),
  alertTags: Type.Array(Type.String()),
  alertPriority: AlertPriority,
  autoClose: Type.Boolean(),
})
export type Heartbeat = Static<typeof Heartbeat>
