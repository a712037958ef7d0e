import { type Kysely, sql } from 'kysely'

/**
 * User contacts and notification rules (Opsgenie's /v2/users/{id}/contacts and …/notification-rules).
 * Both belong to a user and go with them. Rules keep Opsgenie's shape as JSON (criteria, time restriction,
 * steps, repeat); delivery reads them later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) =>
      c.notNull().check(sql.raw("method IN ('email', 'sms', 'voice', 'mobile', 'webhook')")),
    )
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addUniqueConstraint('contacts_user_method_address', ['user_id', 'method', 'address'])
    .execute()
  await db.schema
    .createTable('notification_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('time_restriction', 'text')
    .addColumn('notification_time', 'text')
    .addColumn('steps', 'text', (c) => c.notNull())
    .addColumn('repeat', 'text')
    .addColumn('rule_order', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('notification_rules_user').on('notification_rules').column('user_id').execute()
}
