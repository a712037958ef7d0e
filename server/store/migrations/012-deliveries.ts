import { type Kysely, sql } from 'kysely'

/**
 * The notification outbox: one row per delivery (a notification rule step of one notification, in one
 * repeat round). `key` is unique (`<notification>/<step>[/r<round>]`), so expanding a notification twice
 * or re-queuing a repeat twice writes nothing new.
 *
 * States: pending (waits for next_attempt_at) -> sending (claimed; next_attempt_at is the lease's expiry:
 * a process that dies leaves the row to be claimed again once it passes) -> sent | failed | undeliverable
 * (no such channel configured) | cancelled (the alert was acknowledged or closed first).
 * `bundle_id` names the message a delivery went out in (the id of the bundle's first delivery).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('notification_id', 'text', (c) =>
      c.notNull().references('notifications.id').onDelete('cascade'),
    )
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .check(sql.raw("state IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'undeliverable')")),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('due_at', ms, (c) => c.notNull())
    .addColumn('next_attempt_at', ms, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('provider_response', 'text')
    .addColumn('bundle_id', 'text')
    // The plan key of the step (`<step>` or `<step>@<notificationTime>`), its repeat round, and the
    // repeat period (NULL = the rule does not repeat): what re-queuing the next round needs.
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('cycle', 'integer', (c) => c.notNull())
    .addColumn('repeat_every_ms', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('deliveries_due')
    .on('deliveries')
    .columns(['state', 'next_attempt_at'])
    .execute()
  // Rate limits count recent messages (sent or being sent) per user and per channel.
  await db.schema
    .createIndex('deliveries_user_recent')
    .on('deliveries')
    .columns(['user_id', 'updated_at'])
    .execute()
  await db.schema
    .createIndex('deliveries_channel_recent')
    .on('deliveries')
    .columns(['channel', 'updated_at'])
    .execute()
  await db.schema.createIndex('deliveries_alert').on('deliveries').column('alert_id').execute()
  await db.schema.createIndex('deliveries_notification').on('deliveries').column('notification_id').execute()
}
