import { type Static, Type } from '@sinclair/typebox'

/** Who made a change: a signed-in user, an integration key with configuration access, or Vigil itself. */
export const AUDIT_ACTOR_KINDS = ['user', 'key', 'system'] as const
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number]
export const AuditActorKind = Type.Union(AUDIT_ACTOR_KINDS.map((k) => Type.Literal(k)))

/**
 * What was done. Open-ended on purpose: schedules, escalations, routing rules and heartbeats add their own
 * verbs; these are the ones the account admin API records.
 */
export type AuditAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'rotate-key'
  | 'add-member'
  | 'remove-member'
  | (string & {})

/** The kind of object a change touched; open-ended like AuditAction (schedules, escalations, … come later). */
export type AuditEntityType = 'user' | 'team' | 'team-member' | 'integration' | (string & {})

// A snapshot is whatever JSON object the recording route chose to show, already stripped of secrets.
const Snapshot = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])

/** One audit entry as GET /api/v1/audit shows it. */
export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ kind: AuditActorKind, id: Type.String(), name: Type.String() }),
  action: Type.String(),
  entity: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
  before: Snapshot,
  after: Snapshot,
  requestId: Type.Union([Type.String(), Type.Null()]),
})
export type AuditEntry = Static<typeof AuditEntry>

// Epoch milliseconds or an ISO-8601 date-time; parsed by the handler (parseInstant), JSON Schema cannot.
const instant = (description: string) => Type.String({ minLength: 1, maxLength: 40, description })
const Ident = Type.String({ minLength: 1, maxLength: 200 })

/** GET /api/v1/audit: filters, and paging newest first by id (`offset` = the last id of the previous page). */
export const AuditListQuery = Type.Object({
  entityType: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  entityId: Type.Optional(Ident),
  actorId: Type.Optional(Ident),
  from: Type.Optional(instant('entries at or after this instant (ISO-8601 or epoch ms)')),
  to: Type.Optional(instant('entries before this instant (ISO-8601 or epoch ms)')),
  offset: Type.Optional(Type.Integer({ minimum: 1, description: 'entries with a smaller id than this' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
})
export type AuditListQuery = Static<typeof AuditListQuery>

/** Parses epoch milliseconds (digits) or an ISO-8601 date-time; undefined when it is neither. */
export function parseInstant(text: string): number | undefined {
  const t = text.trim()
  if (/^\d{1,16}$/.test(t)) return Number(t)
  // Date.parse accepts loose forms too ("Jan 1"); require the ISO shape so a typo is an error, not a guess.
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return undefined
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? undefined : ms
}
