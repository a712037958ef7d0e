import { type Kysely, sql } from 'kysely'

/**
 * The escalation engine's durable state and the notifications it writes.
 *
 * - `escalation_runs`: one row per alert that escalates. It snapshots the routed policy (so rule indexes
 *   stay meaningful if the policy is edited mid-escalation), keeps the parts of the escalation's history
 *   the alert row does not (snoozes, escalate-to-next requests, fired and skipped steps) and the instant
 *   the engine must look at it next. Engines claim due rows (`next_wake_at <= now`), on PostgreSQL with
 *   FOR UPDATE SKIP LOCKED, and advance them in the transaction that writes the notifications.
 * - `notifications`: one row per person to tell about something (an escalation step, an action on an
 *   alert they were paged for, a shift starting). `key` is unique: for escalation steps it is core's
 *   stepKey(alert, rule, cycle, user), the exactly-once guarantee. Delivery expands unexpanded rows
 *   (`expanded_at IS NULL`) into deliveries through the user's notification rules.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('escalation_runs')
    .addColumn('alert_id', 'text', (c) => c.primaryKey().references('alerts.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull())
    // NULL when the routed target was a schedule or a user rather than a stored policy.
    .addColumn('policy_id', 'text')
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('next_wake_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('escalation_runs_due')
    .on('escalation_runs')
    .column('next_wake_at')
    .where(sql.ref('next_wake_at'), 'is not', null)
    .execute()

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('rule_index', 'integer')
    .addColumn('cycle', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expanded_at', ms)
    .execute()
  await db.schema
    .createIndex('notifications_unexpanded')
    .on('notifications')
    .column('created_at')
    .where(sql.ref('expanded_at'), 'is', null)
    .execute()
  await db.schema
    .createIndex('notifications_alert')
    .on('notifications')
    .columns(['alert_id', 'user_id'])
    .execute()
}
