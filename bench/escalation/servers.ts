/**
 * Real Vigil server processes for a benchmark: one on a fresh SQLite data dir, or one or more on one
 * fresh PostgreSQL schema (or database), plus direct read access to that store for the checks.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { cleanEnv, freshPostgres, PG_BASE_URL, pgQuery, pgServerVersion } from '../lib/postgres'
import { freePort, registerCleanup, type Service, startService, waitReady } from '../lib/proc'

export { PG_BASE_URL, pgQuery, pgServerVersion }

/** The repository root, where server/main.ts is resolved from. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** One running server process. */
export interface VigilInstance {
  name: string
  base: string
  service: Service
}

/** The servers of one target, the credentials bootstrap gave them, and their store. */
export interface VigilCluster {
  store: 'sqlite' | 'postgres'
  instances: VigilInstance[]
  adminEmail: string
  adminPassword: string
  /** An API key of the Default team (VIGIL_BOOTSTRAP_API_KEY). */
  bootstrapKey: string
  /** Runs a parameterless read-only query against the store. */
  query<T>(sqlText: string): Promise<T[]>
  stop(): Promise<void>
}

/** Options for startVigil. */
export interface StartVigilOptions {
  store: 'sqlite' | 'postgres'
  instances: number
  pgIsolation?: 'schema' | 'database'
  /** Extra VIGIL_* settings. */
  env?: Record<string, string>
  label: string
}

/**
 * Starts the servers one after another (the first one migrates the store; the others then find it
 * ready) and waits until each answers /ready. Everything is removed again by stop() or on Ctrl-C.
 */
export async function startVigil(o: StartVigilOptions): Promise<VigilCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `vigil-bench-${o.label}-`))
  const pgNs = o.store === 'postgres' ? await freshPostgres(o.pgIsolation ?? 'schema') : undefined
  const adminEmail = 'bench-owner@vigil.bench'
  const adminPassword = randomBytes(12).toString('hex')
  const bootstrapKey = randomBytes(20).toString('hex')
  const instances: VigilInstance[] = []
  const cleanup = registerCleanup(async () => {
    await Promise.all(instances.map((i) => i.service.stop()))
    rmSync(dataDir, { recursive: true, force: true })
    await pgNs?.drop()
  })
  try {
    for (let i = 0; i < o.instances; i++) {
      const port = await freePort()
      const name = o.instances > 1 ? `instance ${i + 1}` : 'server'
      const env = cleanEnv({
        VIGIL_PORT: String(port),
        VIGIL_HOST: '127.0.0.1',
        VIGIL_DATA_DIR: dataDir,
        VIGIL_LOG_LEVEL: 'warn',
        VIGIL_ADMIN_EMAIL: adminEmail,
        VIGIL_ADMIN_PASSWORD: adminPassword,
        VIGIL_BOOTSTRAP_API_KEY: bootstrapKey,
        VIGIL_KEY_RATE_LIMIT: '100000000',
        ...(pgNs ? { VIGIL_DATABASE_URL: pgNs.url } : {}),
        ...o.env,
      })
      const service = startService(
        `${o.label} ${name}`,
        process.execPath,
        ['--import', 'tsx', 'server/main.ts'],
        {
          cwd: REPO_ROOT,
          env,
        },
      )
      const base = `http://127.0.0.1:${port}`
      instances.push({ name, base, service })
      await waitReady(service, `${base}/ready`, 90_000)
    }
  } catch (err) {
    await cleanup()
    throw err
  }
  const sqliteFile = join(dataDir, 'vigil.sqlite')
  return {
    store: o.store,
    instances,
    adminEmail,
    adminPassword,
    bootstrapKey,
    async query<T>(text: string): Promise<T[]> {
      if (pgNs) return pgQuery<T>(pgNs.url, text)
      // Read-only: the server keeps the file open and must not see a second writer.
      const db = new BetterSqlite3(sqliteFile, { readonly: true, fileMustExist: true })
      try {
        return db.prepare(text).all() as T[]
      } finally {
        db.close()
      }
    },
    stop: cleanup,
  }
}

/** Resident set size of a process in MiB (VmRSS), or NaN when it cannot be read. */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}
