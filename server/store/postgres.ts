import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema'

// Epoch-millisecond columns are BIGINT; every value we store fits a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

/** Connects a pool to PostgreSQL; the caller owns closing it through db.destroy(). */
export function openPostgres(url: string, poolSize = 10): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  // An idle client's error (server restart) must not crash the process; the pool replaces the client.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, pool }
}
