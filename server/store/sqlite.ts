import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely'
import type { Database } from './schema'

/** Opens (creating if needed) the embedded store: WAL, full fsync on commit, foreign keys on. */
export function openSqlite(file: string): { db: Kysely<Database>; raw: BetterSqlite3.Database } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const raw = new BetterSqlite3(file)
  raw.pragma('journal_mode = WAL')
  // FULL: a commit is on disk before the transaction returns; a 2xx promises exactly that.
  raw.pragma('synchronous = FULL')
  raw.pragma('foreign_keys = ON')
  raw.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) })
  return { db, raw }
}

/**
 * better-sqlite3 prepares a statement on every call and Kysely calls prepare() per query; preparing
 * costs more than running a small insert, so hot statements are kept by their SQL text.
 */
function withStatementCache(raw: BetterSqlite3.Database, limit = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql)
      if (!stmt) {
        stmt = raw.prepare(sql) as unknown as SqliteStatement
        if (cache.size >= limit) cache.delete(cache.keys().next().value as string)
        cache.set(sql, stmt)
      }
      return stmt
    },
  }
}
