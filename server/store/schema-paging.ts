import type { NotificationActionType } from '../../core/model/notification'

/* Row shapes of the paging tables (migrations 010 and 012): escalation runs, notifications, deliveries. */

/** The durable escalation of one alert (migration 010); the engine claims rows by `next_wake_at`. */
export interface EscalationRunsTable {
  alert_id: string
  team_id: string
  /** The stored policy routed to, or NULL when routing named a schedule or a user directly. */
  policy_id: string | null
  /** JSON core/model EscalationPolicy as routed (a snapshot; rule indexes refer to it). */
  policy: string
  /** JSON: the run's history beyond the alert row (snoozes, escalate-to-next requests, fired steps). */
  state: string
  /** When the engine must evaluate the run next; NULL when nothing more will happen. */
  next_wake_at: number | null
  created_at: number
  updated_at: number
}

/** One person to tell about one thing (migration 010); `key` is unique (exactly once). */
export interface NotificationsTable {
  id: string
  /** For escalation steps core/escalation stepKey(alert, rule, cycle, user); else a key naming the event. */
  key: string
  /** NULL for notices not about an alert (schedule start and end). */
  alert_id: string | null
  user_id: string
  action_type: NotificationActionType
  rule_index: number | null
  cycle: number | null
  /** JSON core/model/notification NotificationPayload: what to say, snapshotted when written. */
  payload: string
  created_at: number
  /** When delivery turned it into deliveries through the user's notification rules; NULL = pending. */
  expanded_at: number | null
}

/** A delivery state (migration 012): see the migration for the life cycle. */
export type DeliveryState = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'undeliverable'

/** One delivery of a notification through one channel (migration 012); `key` is unique. */
export interface DeliveriesTable {
  id: string
  key: string
  notification_id: string
  alert_id: string | null
  user_id: string
  /** A step contact method: email, sms, voice, webhook, mobile or desktop. */
  channel: string
  address: string
  state: DeliveryState
  attempts: number
  due_at: number
  /** When to try next (pending), or when the claim's lease expires (sending). */
  next_attempt_at: number
  last_error: string | null
  provider_response: string | null
  /** The message it went out in: the id of the bundle's first delivery. */
  bundle_id: string | null
  step_key: string
  cycle: number
  /** Milliseconds between repeat rounds, NULL when the rule does not repeat. */
  repeat_every_ms: number | null
  created_at: number
  updated_at: number
}
