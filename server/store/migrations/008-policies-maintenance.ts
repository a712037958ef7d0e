import { type Kysely, sql } from 'kysely'

/**
 * Alert policies (Opsgenie's /v2/policies, type alert) and maintenance windows (/v1/maintenance).
 * A policy's `policy` column is JSON in Vigil's internal model (core/model/routing.ts AlertPolicy, without
 * id, order and enabled, which are columns); team_id NULL = a global policy. A maintenance window keeps its
 * Opsgenie rules as JSON and its bounds as epoch ms; team_id NULL = a global window. Both go with their team.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('alert_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // 0-based place among the policies of the same team (or among the global ones).
    .addColumn('position', 'integer', (c) => c.notNull().check(sql.raw('position >= 0')))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('alert_policies_team')
    .on('alert_policies')
    .columns(['team_id', 'position'])
    .execute()

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('cascade'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('time_type', 'text', (c) => c.notNull())
    .addColumn('start_at', ms, (c) => c.notNull())
    .addColumn('end_at', ms)
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('cancelled_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('maintenance_windows_end')
    .on('maintenance_windows')
    .columns(['end_at', 'start_at'])
    .execute()
}
