import { type Kysely, sql } from 'kysely'

/**
 * Heartbeats (Opsgenie's /v2/heartbeats). Expiry is durable state, not a timer: `expires_at` is when the
 * current interval ends, NULL while the heartbeat is disabled or already expired, so the sweeper's
 * `expires_at <= now` is an index range over due rows only, and a restart loses nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('heartbeats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Opsgenie's heartbeat names are unique in the account, and the name is the API's identifier.
    .addColumn('name', 'text', (c) => c.notNull().unique())
    // A team's heartbeats go with the team, as its integrations do.
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('interval', 'integer', (c) => c.notNull().check(sql.raw('"interval" >= 1')))
    .addColumn('interval_unit', 'text', (c) =>
      c.notNull().check(sql.raw("interval_unit IN ('minutes', 'hours', 'days')")),
    )
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('expired', 'integer', (c) => c.notNull())
    .addColumn('auto_close', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_ping_at', ms)
    // When the current interval began: the last ping, or the creation or enable time.
    .addColumn('interval_start', ms, (c) => c.notNull())
    .addColumn('expires_at', ms)
    .addColumn('alert_message', 'text', (c) => c.notNull())
    .addColumn('alert_tags', 'text', (c) => c.notNull())
    .addColumn('alert_priority', 'text', (c) =>
      c.notNull().check(sql.raw("alert_priority IN ('P1', 'P2', 'P3', 'P4', 'P5')")),
    )
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('heartbeats_expires').on('heartbeats').column('expires_at').execute()
  await db.schema.createIndex('heartbeats_team').on('heartbeats').column('team_id').execute()
}
