import type { Generated } from 'kysely'
import type { DeliveriesTable, EscalationRunsTable, NotificationsTable } from './schema-paging'

/**
 * Row shapes of every table, as Kysely sees them. Times are epoch milliseconds (integers) in both
 * dialects so that the search language's epoch-ms comparisons compile to plain SQL; booleans are 0/1
 * integers because SQLite has no boolean type. JSON columns hold serialized text.
 */
export interface Database {
  counters: CountersTable
  users: UsersTable
  teams: TeamsTable
  team_members: TeamMembersTable
  integrations: IntegrationsTable
  sessions: SessionsTable
  alerts: AlertsTable
  alert_tags: AlertTagsTable
  alert_details: AlertDetailsTable
  alert_logs: AlertLogsTable
  alert_notes: AlertNotesTable
  alert_requests: AlertRequestsTable
  audit_log: AuditLogTable
  heartbeats: HeartbeatsTable
  escalation_policies: EscalationPoliciesTable
  routing_rules: RoutingRulesTable
  schedules: SchedulesTable
  schedule_overrides: ScheduleOverridesTable
  calendar_tokens: CalendarTokensTable
  alert_policies: AlertPoliciesTable
  maintenance_windows: MaintenanceWindowsTable
  contacts: ContactsTable
  notification_rules: NotificationRulesTable
  escalation_runs: EscalationRunsTable
  notifications: NotificationsTable
  deliveries: DeliveriesTable
}

/** Named monotonic counters (tinyId, change sequence) advanced inside the writing transaction. */
export interface CountersTable {
  name: string
  value: number
}

export type Role = 'owner' | 'admin' | 'user' | 'observer'

export interface UsersTable {
  id: string
  username: string
  full_name: string
  role: Role
  password_hash: string | null
  time_zone: string
  blocked: number
  created_at: number
  updated_at: number
}

export interface TeamsTable {
  id: string
  name: string
  description: string
  created_at: number
  updated_at: number
}

export type TeamRole = 'admin' | 'user'

export interface TeamMembersTable {
  team_id: string
  user_id: string
  role: TeamRole
}

export type IntegrationType = 'API' | 'Prometheus' | 'Grafana' | 'Webhook'

export interface IntegrationsTable {
  id: string
  name: string
  type: IntegrationType
  team_id: string
  /** SHA-256 (hex) of the key; keys carry ≥128 random bits, so a slow hash adds nothing but latency. */
  key_hash: string
  /** First characters of the key, shown to admins so they can tell keys apart. */
  key_hint: string
  enabled: number
  allow_read: number
  allow_write: number
  allow_delete: number
  allow_configuration: number
  /** Requests per minute accepted from this key; 0 means the server default. */
  rate_limit_per_minute: number
  /** Type-specific settings (the generic webhook's field mapping), JSON. */
  config: string
  created_at: number
  updated_at: number
}

export interface SessionsTable {
  id: string
  token_hash: string
  user_id: string
  created_at: number
  expires_at: number
  revoked_at: number | null
}

export type AlertStatus = 'open' | 'closed'

export interface AlertsTable {
  id: string
  tiny_id: number
  team_id: string
  integration_id: string | null
  alias: string
  /** Equals alias while the alert is open, NULL once closed; a unique index on (team_id, open_alias) is the dedup invariant. */
  open_alias: string | null
  message: string
  description: string
  status: AlertStatus
  acknowledged: number
  is_seen: number
  snoozed: number
  snoozed_until: number | null
  count: number
  last_occurred_at: number
  created_at: number
  updated_at: number
  source: string
  entity: string
  owner: string
  priority: string
  tags: string
  details: string
  actions: string
  responders: string
  visible_to: string
  ack_time: number | null
  close_time: number | null
  acknowledged_by: string
  closed_by: string
  /** Server change sequence of the last write (replication checkpoint). */
  change_seq: number
}

export interface AlertTagsTable {
  alert_id: string
  tag: string
}

export interface AlertDetailsTable {
  alert_id: string
  key: string
  value: string
}

export interface AlertLogsTable {
  id: Generated<number>
  alert_id: string
  created_at: number
  type: string
  owner: string
  log: string
}

export interface AlertNotesTable {
  id: Generated<number>
  alert_id: string
  created_at: number
  owner: string
  note: string
}

export interface AlertRequestsTable {
  request_id: string
  action: string
  integration_id: string | null
  success: number
  status: string
  alert_id: string
  alias: string
  processed_at: number
}

/** One configuration change: who, what, and JSON snapshots before and after (never holding secrets). */
export interface AuditLogTable {
  id: Generated<number>
  at: number
  actor_kind: 'user' | 'key' | 'system'
  actor_id: string
  actor_name: string
  action: string
  entity_type: string
  entity_id: string
  entity_name: string
  before: string | null
  after: string | null
  request_id: string | null
}

/** A heartbeat (Opsgenie's /v2/heartbeats); expiry is derived state the sweeper reads by `expires_at`. */
export interface HeartbeatsTable {
  id: string
  /** Unique in the account; the API's identifier. */
  name: string
  /** The owner team: its alerts, its keys and its admins. */
  team_id: string
  description: string
  interval: number
  interval_unit: 'minutes' | 'hours' | 'days'
  enabled: number
  expired: number
  /** Whether a ping after expiry closes the open expiry alert. */
  auto_close: number
  last_ping_at: number | null
  /** When the current interval began: the last ping, or the creation or enable time. */
  interval_start: number
  /** interval_start + interval while enabled and not expired; NULL otherwise (the sweeper's index). */
  expires_at: number | null
  alert_message: string
  /** JSON array of strings. */
  alert_tags: string
  alert_priority: string
  created_at: number
  updated_at: number
}

/** A schedule (Opsgenie's /v2/schedules); its rotations are core's Rotation[] as JSON (wall-clock dates). */
export interface SchedulesTable {
  id: string
  /** Unique in the account; the API's name identifier. */
  name: string
  team_id: string
  description: string
  /** IANA zone the rotations' wall-clock dates are in. */
  timezone: string
  enabled: number
  /** JSON array of core/model/schedule Rotation, with ids. */
  rotations: string
  created_at: number
  updated_at: number
}

/** One override of a schedule: `user_id` is on call instead between two instants. */
export interface ScheduleOverridesTable {
  id: string
  schedule_id: string
  /** Opsgenie's override alias, unique within the schedule. */
  alias: string
  user_id: string
  start_at: number
  end_at: number
  /** JSON array of rotation ids; NULL means every rotation. */
  rotation_ids: string | null
  created_at: number
}

/** The live token of a schedule's or a user's .ics feed (SHA-256 hex; rotating replaces the row). */
export interface CalendarTokensTable {
  kind: 'schedule' | 'user'
  subject_id: string
  token_hash: string
  created_at: number
}

/** An escalation policy (Opsgenie's /v2/escalations) in Vigil's internal model (core/model/escalation.ts). */
export interface EscalationPoliciesTable {
  id: string
  /** Unique in the account; the API's name identifier. */
  name: string
  /** The owner team. */
  team_id: string
  description: string
  /** JSON array of EscalationRule (delays in minutes, recipients by id). */
  rules: string
  /** JSON EscalationRepeat, or NULL when the policy does not repeat. */
  repeat: string | null
  created_at: number
  updated_at: number
}

/** A team routing rule (Opsgenie's /v2/teams/{id}/routing-rules); JSON columns hold the internal model. */
export interface RoutingRulesTable {
  id: string
  team_id: string
  name: string
  /** 0-based place among the team's non-default rules (0 for the default rule, which always goes last). */
  position: number
  /** JSON Criteria. */
  criteria: string
  /** JSON TimeRestriction, or NULL for always. */
  time_restriction: string | null
  timezone: string
  /** JSON RoutingNotify. */
  notify: string
  is_default: number
  created_at: number
  updated_at: number
}

/** A user's contact (Opsgenie's /v2/users/{id}/contacts); `address` is Opsgenie's `to`. */
export interface ContactsTable {
  id: string
  user_id: string
  method: 'email' | 'sms' | 'voice' | 'mobile' | 'webhook'
  address: string
  enabled: number
  disabled_reason: string | null
  created_at: number
  updated_at: number
}

/** A user's notification rule in Opsgenie's shape; JSON columns hold the Opsgenie objects. */
export interface NotificationRulesTable {
  id: string
  user_id: string
  name: string
  action_type: string
  /** JSON Criteria. */
  criteria: string
  /** JSON TimeRestriction, or NULL for always. */
  time_restriction: string | null
  /** JSON string[] (schedule-start/-end rules), or NULL. */
  notification_time: string | null
  /** JSON steps [{contact{method,to}, sendAfter{timeAmount}, enabled}]. */
  steps: string
  /** JSON {loopAfter, enabled}, or NULL. */
  repeat: string | null
  rule_order: number
  enabled: number
  created_at: number
  updated_at: number
}

/** An alert policy (Opsgenie's /v2/policies, type alert); team_id NULL = global. */
export interface AlertPoliciesTable {
  id: string
  team_id: string | null
  name: string
  description: string
  /** 0-based place among the policies of the same team (or the global ones). */
  position: number
  enabled: number
  /** JSON AlertPolicy (core/model/routing.ts) without id, order and enabled. */
  policy: string
  created_at: number
  updated_at: number
}

/** A maintenance window (Opsgenie's /v1/maintenance); team_id NULL = global. */
export interface MaintenanceWindowsTable {
  id: string
  team_id: string | null
  description: string
  /** Opsgenie's time.type: for-5-minutes, for-30-minutes, for-1-hour, indefinitely or schedule. */
  time_type: string
  start_at: number
  /** NULL = indefinitely. */
  end_at: number | null
  /** JSON array of Opsgenie rules [{state, entity{id, type}}]. */
  rules: string
  cancelled_at: number | null
  created_at: number
  updated_at: number
}

export type { DeliveriesTable, DeliveryState, EscalationRunsTable, NotificationsTable } from './schema-paging'
