/*
 * The replicated documents: one TypeBox schema per sync collection (core/sync/protocol.ts). This is the
 * single source for the server's push validation (Ajv) and for the console's RxDB schemas (the client
 * generates an RxJsonSchema from each: primaryKey `id`, the fields listed, `_deleted` handled by RxDB).
 * The schemas live in core/sync/documents/, one module per domain; importers use this module, which
 * re-exports them and holds what spans every collection.
 *
 * Rules every schema follows so that RxDB 17 accepts it (notes/rxdb.md §3):
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
import type { TObject } from '@sinclair/typebox'
import { AlertCommandDoc, AlertDoc, AlertLogDoc } from './documents/alerts'
import { IntegrationDoc } from './documents/integrations'
import { MeDoc } from './documents/me'
import { MonitoringDoc } from './documents/monitoring'
import { EscalationPolicyDoc, OverrideDoc, RoutingRuleDoc, ScheduleDoc } from './documents/oncall'
import { TeamDoc, UserDoc } from './documents/people'
import type { SyncCollection } from './protocol'

export type { AlertCommandAction, AlertCommandStatus } from './documents/alerts'
export {
  ALERT_COMMAND_ACTIONS,
  ALERT_COMMAND_STATUSES,
  AlertCommandDoc,
  AlertCommandParams,
  AlertDoc,
  AlertLogDoc,
} from './documents/alerts'
export { DOC_ID_MAX_LENGTH } from './documents/fields'
export { IntegrationDoc } from './documents/integrations'
export type { MeKind } from './documents/me'
export { ME_KINDS, MeDoc } from './documents/me'
export type { MonitoringKind } from './documents/monitoring'
export { MONITORING_KINDS, MonitoringDoc } from './documents/monitoring'
export { EscalationPolicyDoc, OverrideDoc, RoutingRuleDoc, ScheduleDoc } from './documents/oncall'
export { TeamDoc, UserDoc } from './documents/people'

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
