import { type Kysely, sql } from 'kysely'

/**
 * Escalation policies (Opsgenie's /v2/escalations) and team routing rules (/v2/teams/{id}/routing-rules).
 * Rules, repeat, criteria, time restriction and notify are JSON text in Vigil's internal model
 * (core/model/escalation.ts, core/model/routing.ts); the API layer converts from and to Opsgenie's shape.
 * Both go with their team when it is deleted, as heartbeats and integrations do.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint'
  await db.schema
    .createTable('escalation_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Opsgenie's escalation names are unique in the account (identifierType=name).
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('repeat', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('escalation_policies_team')
    .on('escalation_policies')
    .column('team_id')
    .execute()

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // 0-based place among the team's non-default rules; the default rule is always evaluated last.
    .addColumn('position', 'integer', (c) => c.notNull().check(sql.raw('position >= 0')))
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('time_restriction', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('notify', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('routing_rules_team')
    .on('routing_rules')
    .columns(['team_id', 'is_default', 'position'])
    .execute()
}
