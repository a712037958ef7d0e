import { type Kysely, sql } from 'kysely'

/**
 * Schedules (Opsgenie's /v2/schedules). A schedule's rotations are one JSON document (core's Rotation[],
 * wall-clock dates in the schedule's zone) read and written whole; overrides are rows of their own, as
 * they come and go independently. Calendar tokens authorise the .ics subscription feeds; only their
 * SHA-256 is stored, one live token per schedule or user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('rotations', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('schedules_team').on('schedules').column('team_id').execute()

  await db.schema
    .createTable('schedule_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    // Opsgenie's override alias: the API's identifier, unique within its schedule.
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('start_at', ms, (c) => c.notNull())
    .addColumn('end_at', ms, (c) => c.notNull().check(sql.raw('end_at > start_at')))
    // JSON array of rotation ids; NULL overrides every rotation.
    .addColumn('rotation_ids', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addUniqueConstraint('schedule_overrides_alias', ['schedule_id', 'alias'])
    .execute()

  await db.schema
    .createTable('calendar_tokens')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql.raw("kind IN ('schedule', 'user')")))
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('calendar_tokens_pk', ['kind', 'subject_id'])
    .execute()
}
