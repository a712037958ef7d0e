import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openStore, type Store } from '../../server/store/store'

/** Where the PostgreSQL suite connects; VIGIL_TEST_PG_URL overrides. */
export const PG_BASE_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let pgReachable: Promise<boolean> | undefined

/** True when the test PostgreSQL answers. In CI its absence is an error, not a skip. */
export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('select 1')
      return true
    } catch (err) {
      if (process.env.CI) throw new Error(`CI requires PostgreSQL at ${PG_BASE_URL}: ${String(err)}`)
      return false
    } finally {
      await client.end().catch(() => {})
    }
  })()
  return pgReachable
}

export interface TestStore {
  store: Store
  /** postgres:// URL (with its private schema) or the SQLite file, for spawning a server on the same data. */
  location: { databaseUrl?: string; sqliteFile?: string; dataDir?: string }
  dispose(): Promise<void>
}

/** A fresh SQLite file in its own temporary directory. */
export async function sqliteTestStore(): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'))
  const store = await openStore({ dataDir })
  return {
    store,
    location: { dataDir, sqliteFile: join(dataDir, 'vigil.sqlite') },
    async dispose() {
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Creates an empty PostgreSQL schema and returns a URL whose connections use it, and how to drop it. */
export async function createPostgresSchema(
  prefix = 'vigil_t',
): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: PG_BASE_URL })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const url = new URL(PG_BASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_BASE_URL })
      await c.connect()
      await c.query(`drop schema if exists ${schema} cascade`)
      await c.end()
    },
  }
}

/** A fresh PostgreSQL schema, dropped on dispose, so suites never see each other's rows. */
export async function postgresTestStore(): Promise<TestStore> {
  const { url: databaseUrl, drop } = await createPostgresSchema()
  let store: Store
  try {
    store = await openStore({ databaseUrl })
  } catch (err) {
    await drop()
    throw err
  }
  return {
    store,
    location: { databaseUrl },
    async dispose() {
      await store.close()
      await drop()
    },
  }
}

/** The store kinds a server suite runs against: SQLite always, PostgreSQL when reachable (always in CI). */
export async function storeKinds(): Promise<
  Array<{ name: 'sqlite' | 'postgres'; open: () => Promise<TestStore> }>
> {
  const kinds: Array<{ name: 'sqlite' | 'postgres'; open: () => Promise<TestStore> }> = [
    { name: 'sqlite', open: sqliteTestStore },
  ]
  if (await postgresAvailable()) kinds.push({ name: 'postgres', open: postgresTestStore })
  return kinds
}
