import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../dialect'

/** Accounts, integrations, alerts and their side tables. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer'
  const ms = 'bigint'

  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', ms, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sqlIn('role', ['owner', 'admin', 'user', 'observer'])),
    )
    .addColumn('password_hash', 'text')
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sqlIn('role', ['admin', 'user'])))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute()
  await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute()

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_hint', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allow_read', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allow_write', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allow_delete', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allow_configuration', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('rate_limit_per_minute', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('integrations_team').on('integrations').column('team_id').execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('revoked_at', ms)
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tiny_id', ms, (c) => c.notNull().unique())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('integration_id', 'text')
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('open_alias', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sqlIn('status', ['open', 'closed'])))
    .addColumn('acknowledged', 'integer', (c) => c.notNull())
    .addColumn('is_seen', 'integer', (c) => c.notNull())
    .addColumn('snoozed', 'integer', (c) => c.notNull())
    .addColumn('snoozed_until', ms)
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_occurred_at', ms, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) =>
      c.notNull().check(sqlIn('priority', ['P1', 'P2', 'P3', 'P4', 'P5'])),
    )
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('responders', 'text', (c) => c.notNull())
    .addColumn('visible_to', 'text', (c) => c.notNull())
    .addColumn('ack_time', ms)
    .addColumn('close_time', ms)
    .addColumn('acknowledged_by', 'text', (c) => c.notNull())
    .addColumn('closed_by', 'text', (c) => c.notNull())
    .addColumn('change_seq', ms, (c) => c.notNull())
    .addCheckConstraint('alerts_open_alias', sqlRaw("(status = 'open') = (open_alias IS NOT NULL)"))
    .execute()
  // One open alert per alias and team: the dedup invariant lives here, not in application code.
  await db.schema
    .createIndex('alerts_open_alias')
    .on('alerts')
    .columns(['team_id', 'open_alias'])
    .unique()
    .execute()
  await db.schema.createIndex('alerts_created').on('alerts').columns(['created_at']).execute()
  await db.schema.createIndex('alerts_team_created').on('alerts').columns(['team_id', 'created_at']).execute()
  await db.schema
    .createIndex('alerts_status_created')
    .on('alerts')
    .columns(['status', 'created_at'])
    .execute()
  await db.schema.createIndex('alerts_alias').on('alerts').columns(['alias']).execute()
  await db.schema.createIndex('alerts_change_seq').on('alerts').columns(['change_seq']).execute()

  await db.schema
    .createTable('alert_tags')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_tags_pk', ['alert_id', 'tag'])
    .execute()
  await db.schema.createIndex('alert_tags_tag').on('alert_tags').columns(['tag', 'alert_id']).execute()

  await db.schema
    .createTable('alert_details')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_details_pk', ['alert_id', 'key'])
    .execute()
  await db.schema.createIndex('alert_details_kv').on('alert_details').columns(['key', 'value']).execute()

  await db.schema
    .createTable('alert_logs')
    .addColumn('id', serial, (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('log', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('alert_logs_alert').on('alert_logs').columns(['alert_id', 'id']).execute()

  await db.schema
    .createTable('alert_notes')
    .addColumn('id', serial, (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('alert_notes_alert').on('alert_notes').columns(['alert_id', 'id']).execute()

  await db.schema
    .createTable('alert_requests')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text')
    .addColumn('success', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('processed_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('alert_requests_processed')
    .on('alert_requests')
    .columns(['processed_at'])
    .execute()
}

function sqlIn(column: string, values: readonly string[]) {
  return sqlRaw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`)
}

function sqlRaw(text: string) {
  return sql.raw(text)
}
