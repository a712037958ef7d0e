import { join } from 'node:path'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Dialect } from './dialect'
import { migrateToLatest } from './migrate'
import { openPostgres } from './postgres'
import type { Database } from './schema'
import { openSqlite, type Prepare } from './sqlite'

/** An opened, migrated store. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /** The postgres:// URL the store was opened with (PostgreSQL only): for the Socket.IO adapter's pool. */
  readonly databaseUrl?: string
  /**
   * SQLite only: cached prepared statements on the store's one connection, for hot writes inside a
   * group-commit transaction (server/store/sqlite-rows.ts); undefined on PostgreSQL.
   */
  readonly prepare?: Prepare
  /** True when a trivial query succeeds. */
  ping(): Promise<boolean>
  /**
   * Resolves once every transaction committed before the call is on disk. Every write awaits it before
   * answering: PostgreSQL's COMMIT already is durable; SQLite's fsync runs off the event loop.
   */
  sync(): Promise<void>
  close(): Promise<void>
}

export interface StoreOptions {
  /** postgres://… selects PostgreSQL; otherwise the embedded SQLite file under dataDir. */
  databaseUrl?: string
  dataDir?: string
  /** A SQLite file path, overriding dataDir (tests). */
  sqliteFile?: string
}

/** Opens the configured store and applies pending migrations. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const { db } = openPostgres(url)
    await migrateToLatest(db as Kysely<unknown>, 'postgres')
    return {
      ...wrap(db, 'postgres', { sync: () => Promise.resolve(), close: () => db.destroy() }),
      databaseUrl: url,
    }
  }
  if (url) throw new Error(`VIGIL_DATABASE_URL must start with postgres:// (got ${url.split(':')[0]}:)`)
  const file = opts.sqliteFile ?? join(opts.dataDir ?? '.data', 'vigil.sqlite')
  const { db, prepare, wal, checkpointer } = openSqlite(file)
  await migrateToLatest(db as Kysely<unknown>, 'sqlite')
  return {
    ...wrap(db, 'sqlite', {
      sync: () => wal.sync(),
      close: async () => {
        await wal.sync()
        await checkpointer.close()
        await db.destroy()
        await wal.close()
      },
    }),
    prepare,
  }
}

function wrap(
  db: Kysely<Database>,
  dialect: Dialect,
  io: { sync(): Promise<void>; close(): Promise<void> },
): Store {
  return {
    db,
    dialect,
    async ping() {
      try {
        await sql`select 1`.execute(db)
        return true
      } catch {
        return false
      }
    },
    sync: io.sync,
    close: io.close,
  }
}

/**
 * Reserves consecutive values of named counters inside the caller's transaction, in one statement, and
 * returns the first value of each. Writers serialize on the counter rows (taken in name order, so two
 * instances never deadlock), which is what keeps change sequences in commit order.
 */
export async function reserveCounters(
  trx: Transaction<Database>,
  wanted: Record<string, number>,
): Promise<Record<string, number>> {
  return firstValues(await reserving(trx, wanted).returning(['name', 'value']).execute(), wanted)
}

/**
 * reserveCounters plus the configuration version (the largest audit id, what the routing cache checks)
 * read in the same statement: one round trip instead of two for PostgreSQL's create batches.
 */
export async function reserveCountersWithVersion(
  trx: Transaction<Database>,
  wanted: Record<string, number>,
): Promise<{ first: Record<string, number>; version: number }> {
  if (Object.keys(wanted).length === 0) {
    const row = await sql<{ v: number | string | null }>`select max(id) as v from audit_log`.execute(trx)
    return { first: {}, version: Number(row.rows[0]?.v ?? 0) }
  }
  const rows = await reserving(
    trx.with('v', (db) => db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('v'))),
    wanted,
  )
    .returning(['name', 'value', sql<number | string | null>`(select v from v)`.as('version')])
    .execute()
  return { first: firstValues(rows, wanted), version: Number(rows[0]?.version ?? 0) }
}

function reserving<Q extends Pick<Transaction<Database>, 'insertInto'>>(
  q: Q,
  wanted: Record<string, number>,
) {
  const names = Object.keys(wanted).sort()
  return q
    .insertInto('counters')
    .values(names.map((name) => ({ name, value: wanted[name] ?? 0 })))
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`counters.value + excluded.value` }))
}

function firstValues(
  rows: Array<{ name: string; value: number | string | bigint }>,
  wanted: Record<string, number>,
): Record<string, number> {
  const first: Record<string, number> = {}
  for (const r of rows) first[r.name] = Number(r.value) - (wanted[r.name] ?? 0) + 1
  return first
}

/** Reserves `n` consecutive values of one counter; see reserveCounters. */
export async function reserveCounter(trx: Transaction<Database>, name: string, n: number): Promise<number> {
  return (await reserveCounters(trx, { [name]: n }))[name] as number
}
