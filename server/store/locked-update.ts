import type { Kysely, Selectable, Updateable } from 'kysely'
import type { Dialect } from './dialect'
import type { Database } from './schema'

/** Tables whose rows are addressed by an `id` column and updated with a before/after audit pair. */
type ById = 'users' | 'teams'

/**
 * Updates one row (call it inside a transaction) and returns it as it was and as it is. The read takes a
 * row lock on PostgreSQL, so `before` is exactly what the update replaced (for the audit log). Undefined
 * when no such row exists.
 */
export async function updateLocked<T extends ById>(
  trx: Kysely<Database>,
  dialect: Dialect,
  table: T,
  id: string,
  set: Updateable<Database[T]>,
): Promise<{ before: Selectable<Database[T]>; after: Selectable<Database[T]> } | undefined> {
  // Kysely cannot build one query over a union of table names; both tables have the `id` used here.
  const t = table as 'users'
  const before = await trx
    .selectFrom(t)
    .selectAll()
    .where('id', '=', id)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst()
  if (!before) return undefined
  const after = await trx
    .updateTable(t)
    .set(set as Updateable<Database['users']>)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return { before, after } as unknown as { before: Selectable<Database[T]>; after: Selectable<Database[T]> }
}
