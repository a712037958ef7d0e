/** PostgreSQL for benchmark targets: the base URL, one-off queries and a fresh namespace per run. */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** PostgreSQL the PostgreSQL targets use; a fresh schema (or database) is created in it per run. */
export const PG_BASE_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Runs one query on a short-lived connection. */
export async function pgQuery<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return (await client.query(text)).rows as T[]
  } finally {
    await client.end().catch(() => {})
  }
}

/** "PostgreSQL 15.19" or the reason it could not be asked. */
export async function pgServerVersion(): Promise<string> {
  try {
    const rows = await pgQuery<{ server_version: string }>(PG_BASE_URL, 'show server_version')
    return `PostgreSQL ${rows[0]?.server_version.split(' ')[0] ?? '?'}`
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_BASE_URL} (${String(err)})`
  }
}

/**
 * A fresh PostgreSQL namespace for one run and the URL servers get. 'schema' is the documented
 * deployment form (search_path via libpq options); 'database' avoids sharing the database with other
 * schemas, which Kysely's migrator mistakes for its own (see the ingest report).
 */
export async function freshPostgres(
  isolation: 'schema' | 'database',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `vigil_bench_${process.pid}_${randomBytes(4).toString('hex')}`
  if (isolation === 'schema') {
    await pgQuery(PG_BASE_URL, `create schema ${name}`)
    return {
      url: `${PG_BASE_URL}?options=-c%20search_path%3D${name}`,
      drop: async () => void (await pgQuery(PG_BASE_URL, `drop schema if exists ${name} cascade`)),
    }
  }
  await pgQuery(PG_BASE_URL, `create database ${name}`)
  const url = new URL(PG_BASE_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    // FORCE: a server killed mid-run may leave connections behind; the database must still go.
    drop: async () => void (await pgQuery(PG_BASE_URL, `drop database if exists ${name} with (force)`)),
  }
}

/** Environment for a child without any VIGIL_* the caller happened to have set. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VIGIL_')) env[k] = v
  return { ...env, ...extra }
}
