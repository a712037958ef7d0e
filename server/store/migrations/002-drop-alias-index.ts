import type { Kysely } from 'kysely'

/**
 * Drops the plain alias index: lookups by alias go through the open-alias unique index, and the search
 * language's alias matching cannot use it, so it only cost every insert a random-page write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_alias').ifExists().execute()
}
