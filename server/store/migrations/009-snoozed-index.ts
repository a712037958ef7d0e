import { type Kysely, sql } from 'kysely'

/**
 * A partial index over snoozed alerts only: the snooze sweeper peeks at it every second, and only
 * snoozing writes to it, so ingest pays nothing for it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('alerts_snoozed_until')
    .on('alerts')
    .column('snoozed_until')
    .where(sql.ref('snoozed'), '=', 1)
    .execute()
}
