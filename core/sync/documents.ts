/*
 * The replicated documents: one TypeBox schema per sync collection (core/sync/protocol.ts). This is the
 * single source for the server's push validation (Ajv) and for the console's RxDB schemas (the client
 * generates an RxJsonSchema from each: primaryKey `id`, the fields below, `_deleted` handled by RxDB).
 *
 * Rules every schema here follows so that RxDB 17 accepts it (notes/rxdb.md §3):
 * - `id` is a string with a maxLength (DOC_ID_MAX_LENGTH), the primary key;
 * - the root object has additionalProperties: false; nested objects never use `$ref`;
 * - field names are camelCase (RxDB's field-name regex) and none starts with `_` except `_deleted`;
 * - times are epoch milliseconds (integers with multipleOf 1 and finite bounds, so they can be indexed);
 * - no secrets: integrations carry no key (only its hint), users no password hash.
 *
 * Documents the server changes on its own (alerts, logs, users, teams, integrations, monitoring) carry
 * server timestamps; documents a client may push (PUSHABLE_COLLECTIONS) carry one server-maintained field
 * only, `updatedBy` (SERVER_OWNED_FIELDS), and no timestamp. The server ignores a pushed value of it in
 * every comparison (clientState) and the client's merge always takes the server's, so a pushed document is
 * otherwise stored and served back exactly as pushed and the client's assumed master state keeps matching
 * the server's (notes/rxdb.md §2, #6248: no endless conflicts).
 */
import { type Static, type TObject, Type } from '@sinclair/typebox'
import { PRIORITIES } from '../model/alert'
import { CONTACT_METHODS } from '../model/contact'
import { Criteria } from '../model/criteria'
import { EscalationRepeat, EscalationRule } from '../model/escalation'
import { INTEGRATION_TYPES } from '../model/integration'
import { NOTIFICATION_ACTION_TYPES, NOTIFICATION_TIMES, STEP_METHODS } from '../model/notification-rule'
import { RoutingNotify } from '../model/routing'
import { Rotation } from '../model/schedule'
import { TEAM_ROLES } from '../model/team'
import { TimeRestriction } from '../model/time-restriction'
import { ROLES } from '../model/user'
import type { SyncCollection } from './protocol'

/** maxLength of every document's primary key `id` (RxDB requires one; ids are UUIDs or client-made). */
export const DOC_ID_MAX_LENGTH = 100

const Id = Type.String({ minLength: 1, maxLength: DOC_ID_MAX_LENGTH })
/** An id of another document (a foreign key); same bound as the primary key, so it can be indexed. */
const Ref = Type.String({ minLength: 1, maxLength: DOC_ID_MAX_LENGTH })
/** An instant in epoch milliseconds; bounded and whole so RxDB can index it. */
const Ms = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, multipleOf: 1 })
const Deleted = Type.Boolean()
const Text = (maxLength: number) => Type.String({ maxLength })
/** A closed set of strings as `{type: 'string', enum, maxLength}`: indexable by RxDB, checked by Ajv. */
const Enum = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], maxLength: Math.max(...values.map((v) => v.length)) })
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })
const Obj = <P extends Parameters<typeof Type.Object>[0]>(props: P) =>
  Type.Object(props, { additionalProperties: false })
/**
 * Who last changed a pushable document (a username, or an integration's or Vigil's name), from the audit
 * log; server-maintained: see SERVER_OWNED_FIELDS. Absent when no audit entry names the document.
 */
const UpdatedBy = Type.Optional(Text(512))

/** A responder / visibleTo entry of an alert (Opsgenie's recipient, closed for RxDB). */
const SyncRecipient = Obj({
  type: Text(20),
  id: Type.Optional(Text(512)),
  name: Type.Optional(Text(512)),
  username: Type.Optional(Text(512)),
})

/** An alert (pull only: alerts change through alertCommands and the HTTP API). */
export const AlertDoc = Obj({
  id: Id,
  _deleted: Deleted,
  tinyId: Text(20),
  teamId: Ref,
  integrationId: Type.Optional(Ref),
  alias: Text(512),
  message: Text(1000),
  description: Text(20_000),
  status: Enum(['open', 'closed'] as const),
  acknowledged: Type.Boolean(),
  isSeen: Type.Boolean(),
  snoozed: Type.Boolean(),
  snoozedUntil: Type.Optional(Ms),
  count: Type.Integer({ minimum: 0 }),
  priority: Enum(PRIORITIES),
  source: Text(1000),
  entity: Text(1000),
  owner: Text(512),
  tags: Type.Array(Text(1000)),
  details: Type.Record(Type.String(), Type.String()),
  actions: Type.Array(Text(1000)),
  responders: Type.Array(SyncRecipient),
  visibleTo: Type.Array(SyncRecipient),
  acknowledgedBy: Text(512),
  closedBy: Text(512),
  /** Milliseconds from creation to the first acknowledgement / the close. */
  ackTime: Type.Optional(Type.Integer({ minimum: 0 })),
  closeTime: Type.Optional(Type.Integer({ minimum: 0 })),
  createdAt: Ms,
  updatedAt: Ms,
  lastOccurredAt: Ms,
})
export type AlertDoc = Static<typeof AlertDoc>

/** One alert log entry (pull only). `id` is the server's numeric log id as a string. */
export const AlertLogDoc = Obj({
  id: Id,
  _deleted: Deleted,
  alertId: Ref,
  createdAt: Ms,
  type: Text(100),
  owner: Text(512),
  log: Text(30_000),
})
export type AlertLogDoc = Static<typeof AlertLogDoc>

/** Actions an alertCommand may ask for. */
export const ALERT_COMMAND_ACTIONS = [
  'acknowledge',
  'unacknowledge',
  'close',
  'note',
  'snooze',
  'assign',
  'escalate',
] as const
export type AlertCommandAction = (typeof ALERT_COMMAND_ACTIONS)[number]

/** A command's state: `pending` as the client writes it, then `applied` or `rejected` from the server. */
export const ALERT_COMMAND_STATUSES = ['pending', 'applied', 'rejected'] as const
export type AlertCommandStatus = (typeof ALERT_COMMAND_STATUSES)[number]

/** What an action needs: note (any action; required for `note`), endTime (snooze), owner, escalation. */
export const AlertCommandParams = Obj({
  note: Type.Optional(Text(25_000)),
  /** Snooze until this instant (epoch ms). */
  endTime: Type.Optional(Ms),
  owner: Type.Optional(Obj({ id: Type.Optional(Text(100)), username: Type.Optional(Text(100)) })),
  escalation: Type.Optional(Obj({ id: Type.Optional(Text(100)), name: Type.Optional(Text(200)) })),
})
export type AlertCommandParams = Static<typeof AlertCommandParams>

/**
 * An alert action from the console's outbox. The client creates it with a fresh id and status `pending`;
 * the server applies it once (a second push of the same id changes nothing) and publishes it back with
 * status `applied` or `rejected` (+ reason). The alert's change arrives on the alerts stream.
 */
export const AlertCommandDoc = Obj({
  id: Id,
  _deleted: Deleted,
  alertId: Ref,
  action: Enum(ALERT_COMMAND_ACTIONS),
  params: AlertCommandParams,
  /** When the user acted (client clock: informational only, never used for ordering). */
  createdAt: Ms,
  status: Enum(ALERT_COMMAND_STATUSES),
  /** Why the server refused it (status `rejected`). */
  reason: Type.Optional(Text(1000)),
  /** Server time it was applied or rejected. */
  processedAt: Type.Optional(Ms),
  /** The user who sent it (set by the server). */
  userId: Type.Optional(Ref),
})
export type AlertCommandDoc = Static<typeof AlertCommandDoc>

/** A team and its members (pull only). */
export const TeamDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Text(100),
  description: Text(10_000),
  members: Type.Array(Obj({ userId: Ref, role: Enum(TEAM_ROLES) })),
  createdAt: Ms,
  updatedAt: Ms,
})
export type TeamDoc = Static<typeof TeamDoc>

/** A user account (pull only; no password hash). */
export const UserDoc = Obj({
  id: Id,
  _deleted: Deleted,
  username: Text(100),
  fullName: Text(512),
  role: Enum(ROLES),
  timeZone: TimeZone,
  blocked: Type.Boolean(),
  createdAt: Ms,
  updatedAt: Ms,
})
export type UserDoc = Static<typeof UserDoc>

/** A schedule with its rotations (core/model Rotation); overrides are their own collection. */
export const ScheduleDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Type.String({ minLength: 1, maxLength: 512 }),
  description: Text(10_000),
  timezone: TimeZone,
  enabled: Type.Boolean(),
  teamId: Ref,
  rotations: Type.Array(Rotation, { maxItems: 200 }),
  updatedBy: UpdatedBy,
})
export type ScheduleDoc = Static<typeof ScheduleDoc>

/** One override of a schedule: `userId` is on call instead between `start` and `end` (epoch ms). */
export const OverrideDoc = Obj({
  id: Id,
  _deleted: Deleted,
  scheduleId: Ref,
  /** Opsgenie's override alias, unique within the schedule. */
  alias: Type.String({ minLength: 1, maxLength: 512 }),
  userId: Ref,
  start: Ms,
  end: Ms,
  /** The rotations overridden; absent means all of them. */
  rotationIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1 })),
  updatedBy: UpdatedBy,
})
export type OverrideDoc = Static<typeof OverrideDoc>

/** An escalation policy (core/model EscalationPolicy, owner team as teamId). */
export const EscalationPolicyDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Text(10_000),
  teamId: Ref,
  rules: Type.Array(EscalationRule, { minItems: 1, maxItems: 20 }),
  repeat: Type.Optional(EscalationRepeat),
  updatedBy: UpdatedBy,
})
export type EscalationPolicyDoc = Static<typeof EscalationPolicyDoc>

/** A team routing rule (core/model RoutingRule plus its team). */
export const RoutingRuleDoc = Obj({
  id: Id,
  _deleted: Deleted,
  teamId: Ref,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  order: Type.Integer({ minimum: 0, maximum: 1000, multipleOf: 1 }),
  criteria: Criteria,
  timeRestriction: Type.Optional(TimeRestriction),
  timezone: TimeZone,
  notify: RoutingNotify,
  isDefault: Type.Boolean(),
  updatedBy: UpdatedBy,
})
export type RoutingRuleDoc = Static<typeof RoutingRuleDoc>

/** An integration without its key (pull only): `keyHint` tells keys apart. */
export const IntegrationDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Text(100),
  type: Enum(INTEGRATION_TYPES),
  teamId: Ref,
  enabled: Type.Boolean(),
  allowReadAccess: Type.Boolean(),
  allowWriteAccess: Type.Boolean(),
  allowDeleteAccess: Type.Boolean(),
  allowConfigurationAccess: Type.Boolean(),
  rateLimitPerMinute: Type.Integer({ minimum: 0 }),
  keyHint: Text(64),
  createdAt: Ms,
  updatedAt: Ms,
})
export type IntegrationDoc = Static<typeof IntegrationDoc>

/** The two kinds of document in `monitoring`. */
export const MONITORING_KINDS = ['heartbeat', 'maintenance'] as const
export type MonitoringKind = (typeof MONITORING_KINDS)[number]

/** A maintenance rule as Opsgenie writes it. */
const MaintenanceRuleDoc = Obj({
  state: Enum(['enabled', 'disabled'] as const),
  entity: Obj({ id: Text(100), type: Text(50) }),
})

/**
 * Heartbeats and maintenance windows (pull only), told apart by `kind`. Fields of the other kind are
 * absent. `teamId` is absent for a global maintenance window.
 */
export const MonitoringDoc = Obj({
  id: Id,
  _deleted: Deleted,
  kind: Enum(MONITORING_KINDS),
  teamId: Type.Optional(Ref),
  description: Text(10_000),
  createdAt: Ms,
  updatedAt: Ms,
  // heartbeat
  name: Type.Optional(Text(200)),
  interval: Type.Optional(Type.Integer({ minimum: 1 })),
  intervalUnit: Type.Optional(Enum(['minutes', 'hours', 'days'] as const)),
  enabled: Type.Optional(Type.Boolean()),
  expired: Type.Optional(Type.Boolean()),
  lastPingAt: Type.Optional(Ms),
  alertMessage: Type.Optional(Text(1000)),
  alertTags: Type.Optional(Type.Array(Text(1000))),
  alertPriority: Type.Optional(Enum(PRIORITIES)),
  autoClose: Type.Optional(Type.Boolean()),
  // maintenance
  timeType: Type.Optional(Text(50)),
  start: Type.Optional(Ms),
  end: Type.Optional(Ms),
  rules: Type.Optional(Type.Array(MaintenanceRuleDoc)),
  cancelled: Type.Optional(Type.Boolean()),
})
export type MonitoringDoc = Static<typeof MonitoringDoc>

/** The two kinds of document in `me`. */
export const ME_KINDS = ['contact', 'notificationRule'] as const
export type MeKind = (typeof ME_KINDS)[number]

const RuleStep = Obj({
  contact: Obj({ method: Enum(STEP_METHODS), to: Type.String({ minLength: 1, maxLength: 512 }) }),
  sendAfter: Obj({
    timeAmount: Type.Integer({ minimum: 0, maximum: 1440 }),
    timeUnit: Type.Literal('minutes'),
  }),
  enabled: Type.Boolean(),
})

/**
 * The signed-in user's own contact methods (`kind: 'contact'`: method, to, enabled) and notification rules
 * (`kind: 'notificationRule'`: name, actionType, criteria, steps, order, enabled, ...). `userId` is always
 * the signed-in user. Fields of the other kind are absent.
 */
export const MeDoc = Obj({
  id: Id,
  _deleted: Deleted,
  kind: Enum(ME_KINDS),
  userId: Ref,
  enabled: Type.Boolean(),
  // contact
  method: Type.Optional(Enum(CONTACT_METHODS)),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  disabledReason: Type.Optional(Text(200)),
  // notification rule
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  actionType: Type.Optional(Enum(NOTIFICATION_ACTION_TYPES)),
  criteria: Type.Optional(Criteria),
  timeRestriction: Type.Optional(TimeRestriction),
  notificationTime: Type.Optional(Type.Array(Enum(NOTIFICATION_TIMES), { maxItems: 4 })),
  steps: Type.Optional(Type.Array(RuleStep, { maxItems: 20 })),
  repeat: Type.Optional(
    Obj({ loopAfter: Type.Integer({ minimum: 1, maximum: 1440 }), enabled: Type.Boolean() }),
  ),
  order: Type.Optional(Type.Integer({ minimum: 0 })),
  updatedBy: UpdatedBy,
})
export type MeDoc = Static<typeof MeDoc>

/** Each collection's document type. */
export interface SyncDocuments {
  alerts: AlertDoc
  alertLogs: AlertLogDoc
  alertCommands: AlertCommandDoc
  teams: TeamDoc
  users: UserDoc
  schedules: ScheduleDoc
  overrides: OverrideDoc
  escalationPolicies: EscalationPolicyDoc
  routingRules: RoutingRuleDoc
  integrations: IntegrationDoc
  monitoring: MonitoringDoc
  me: MeDoc
}

/** Each collection's document schema (TypeBox = JSON Schema). */
export const SYNC_DOCUMENT_SCHEMAS: { readonly [C in SyncCollection]: TObject } = {
  alerts: AlertDoc,
  alertLogs: AlertLogDoc,
  alertCommands: AlertCommandDoc,
  teams: TeamDoc,
  users: UserDoc,
  schedules: ScheduleDoc,
  overrides: OverrideDoc,
  escalationPolicies: EscalationPolicyDoc,
  routingRules: RoutingRuleDoc,
  integrations: IntegrationDoc,
  monitoring: MonitoringDoc,
  me: MeDoc,
}

/**
 * Collections a client may push to. The others are pull-only: the server refuses every pushed row with a
 * reason (alerts change through alertCommands; accounts, teams, integrations and monitoring through the
 * HTTP API).
 */
export const PUSHABLE_COLLECTIONS: readonly SyncCollection[] = [
  'alertCommands',
  'schedules',
  'overrides',
  'escalationPolicies',
  'routingRules',
  'me',
]

/**
 * Fields of pushable documents that only the server writes. A push's value for them is ignored (the client
 * echoes what it last saw), and the client's merge takes the server's value, never a conflict.
 */
export const SERVER_OWNED_FIELDS: readonly string[] = ['updatedBy']

/** The document without its server-owned fields: what the server compares a pushed document by. */
export function clientState<T extends object>(doc: T): T {
  const out: Record<string, unknown> = { ...(doc as Record<string, unknown>) }
  for (const field of SERVER_OWNED_FIELDS) delete out[field]
  return out as T
}

/**
 * Indexes the console may declare (every field listed is required or bounded as RxDB and Dexie need).
 * A suggestion, not a contract: the server does not depend on them.
 */
export const SYNC_INDEXES: { readonly [C in SyncCollection]: ReadonlyArray<string | string[]> } = {
  alerts: ['createdAt', ['status', 'createdAt'], 'teamId'],
  alertLogs: [['alertId', 'createdAt']],
  alertCommands: ['alertId'],
  teams: [],
  users: [],
  schedules: ['teamId'],
  overrides: ['scheduleId'],
  escalationPolicies: ['teamId'],
  routingRules: ['teamId'],
  integrations: ['teamId'],
  monitoring: [],
  me: [],
}
