import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, type SqliteStatement } from 'kysely'
import { Checkpointer } from './checkpointer'
import type { Database } from './schema'
import { WalSync } from './wal-sync'

/**
 * Opens (creating if needed) the embedded store: WAL, foreign keys on. Commits do not fsync on the event
 * loop (synchronous=NORMAL); durability comes from WalSync, which every write awaits before it answers.
 */
export function openSqlite(file: string): {
  db: Kysely<Database>
  raw: BetterSqlite3.Database
  prepare: Prepare
  wal: WalSync
  checkpointer: Checkpointer
} {
  mkdirSync(dirname(file), { recursive: true })
  const raw = new BetterSqlite3(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = NORMAL')
  // Keeps index pages of a large alert table in memory: 64 MiB.
  raw.pragma('cache_size = -65536')
  // The worker (Checkpointer) copies WAL pages in the background, but under steady writes it can never
  // finish the WAL, so it never restarts. This connection's own checkpoint at 16 MB finishes it: cheap,
  // because the worker has already copied nearly every page, and it lets the next commit rewind the WAL.
  raw.pragma('wal_autocheckpoint = 4000')
  raw.pragma('foreign_keys = ON')
  raw.pragma('busy_timeout = 5000')
  const prepare = statementCache(raw)
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: { close: () => raw.close(), prepare: (sql) => prepare(sql) as unknown as SqliteStatement },
    }),
  })
  // The WAL file exists from the first write; make sure it does before WalSync opens it.
  raw.exec('create table if not exists vigil_wal_probe(x integer); drop table vigil_wal_probe')
  return { db, raw, prepare, wal: new WalSync(file), checkpointer: new Checkpointer(file) }
}

/** A prepared statement on the store's one SQLite connection, cached by its SQL text. */
export type Prepare = (sql: string) => BetterSqlite3.Statement

/**
 * better-sqlite3 prepares a statement on every call and Kysely calls prepare() per query; preparing
 * costs more than running a small insert, so hot statements are kept by their SQL text. The hot ingest
 * writes use the same cache directly (server/store/sqlite-rows.ts).
 */
function statementCache(raw: BetterSqlite3.Database, limit = 500): Prepare {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return (sql) => {
    let stmt = cache.get(sql)
    if (!stmt) {
      stmt = raw.prepare(sql)
      if (cache.size >= limit) cache.delete(cache.keys().next().value as string)
      cache.set(sql, stmt)
    }
    return stmt
  }
}
