/**
 * The four ingest targets: how each is started, where its alerts go, which headers it needs, and (for
 * Vigil) how to check afterwards what the store holds. Every target listens on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { cleanEnv, freshPostgres, pgQuery } from '../lib/postgres'
import {
  freePort,
  registerCleanup,
  runCommand,
  type Service,
  startScript,
  startService,
  waitReady,
} from '../lib/proc'
import { summariseVigilMetrics } from '../lib/prom'
import type { TargetId } from '../lib/report'
import type { SanityObserved } from '../lib/sanity'

/** The repository root, where server/main.ts is resolved from. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Alertmanager binary from Debian's prometheus-alertmanager package. */
export const ALERTMANAGER_BIN = process.env.BENCH_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager'

/**
 * Per-key requests per minute handed to Vigil: far above any rate this machine reaches, so the limiter
 * is exercised (it runs on every request) but never answers 429.
 */
export const VIGIL_RATE_LIMIT = process.env.BENCH_VIGIL_RATE_LIMIT ?? '100000000'

/** A running target. */
export interface RunningTarget {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  base: string
  /** The process, to notice a crash under load and to quote its output. */
  service: Service
  /** Version or build string for the report. */
  version?: string
  /** Reads back what the store holds (Vigil only). */
  inspect?: () => Promise<SanityObserved>
  /** Extra facts for the report's notes (Alertmanager's alert count, for instance). */
  describe?: () => Promise<string | undefined>
  stop(): Promise<void>
}

/** Static description of a target plus its start function. */
export interface TargetSpec {
  id: TargetId
  label: string
  path: string
  format: 'opsgenie' | 'alertmanager'
  /** Headers every request carries (Content-Type, Authorization…). */
  headers: Record<string, string>
  start(): Promise<RunningTarget>
}

/** Stops a service and rethrows its start error with the output tail attached. */
async function startOrCleanup<T>(
  svc: Service,
  ready: () => Promise<T>,
  cleanup: () => void | Promise<void>,
): Promise<T> {
  try {
    return await ready()
  } catch (err) {
    await svc.stop()
    await cleanup()
    throw err
  }
}

/** The no-op node:http ceiling (same request as Vigil gets, key header included). */
export function noopTarget(key: string): TargetSpec {
  return {
    id: 'noop',
    label: 'no-op node:http (ceiling)',
    path: '/v2/alerts',
    format: 'opsgenie',
    headers: { 'Content-Type': 'application/json', Authorization: `GenieKey ${key}` },
    async start() {
      const { base, service } = await startScript(
        'noop',
        'bench/ingest/noop-server.ts',
        REPO_ROOT,
        (port) => ({
          NOOP_PORT: String(port),
          NOOP_HOST: '127.0.0.1',
        }),
      )
      return { base, service, version: `node:http, Node ${process.version}`, stop: () => service.stop() }
    },
  }
}

/** The durable floor (bench/ingest/floor-server.ts): one SQLite upsert per alert, fsynced, nothing else. */
export function floorTarget(key: string): TargetSpec {
  return {
    id: 'floor',
    label: 'durable floor: node:http + one SQLite upsert',
    path: '/v2/alerts',
    format: 'opsgenie',
    headers: { 'Content-Type': 'application/json', Authorization: `GenieKey ${key}` },
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-floor-'))
      const cleanup = registerCleanup(() => rmSync(dir, { recursive: true, force: true }))
      const { base, service } = await startScript(
        'floor',
        'bench/ingest/floor-server.ts',
        REPO_ROOT,
        (port) => ({
          FLOOR_PORT: String(port),
          FLOOR_HOST: '127.0.0.1',
          FLOOR_DIR: dir,
          FLOOR_KEY: key,
        }),
      ).catch(async (err) => {
        await cleanup()
        throw err
      })
      return {
        base,
        service,
        version: `node:http + better-sqlite3 (WAL, fsync per group commit), Node ${process.version}`,
        async stop() {
          await service.stop()
          await cleanup()
        },
      }
    },
  }
}

/** Prometheus Alertmanager with a null receiver, temp storage and clustering disabled. */
export function alertmanagerTarget(): TargetSpec {
  return {
    id: 'alertmanager',
    label: 'Alertmanager',
    path: '/api/v2/alerts',
    format: 'alertmanager',
    headers: { 'Content-Type': 'application/json' },
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-am-'))
      const config = join(dir, 'alertmanager.yml')
      writeFileSync(config, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n")
      const port = await freePort()
      const version = (await runCommand(ALERTMANAGER_BIN, ['--version'], 5000)).stdout.split('\n')[0]?.trim()
      const svc = startService('alertmanager', ALERTMANAGER_BIN, [
        `--config.file=${config}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ])
      const base = `http://127.0.0.1:${port}`
      const cleanup = registerCleanup(() => rmSync(dir, { recursive: true, force: true }))
      await startOrCleanup(svc, () => waitReady(svc, `${base}/-/ready`, 30_000), cleanup)
      return {
        base,
        service: svc,
        version,
        async describe() {
          const res = await fetch(`${base}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) })
          if (!res.ok) return `GET /api/v2/alerts answered ${res.status} after the run`
          const alerts = (await res.json()) as unknown[]
          return `held ${alerts.length} alerts after the run (deduplicated by label set)`
        },
        async stop() {
          await svc.stop()
          await cleanup()
        },
      }
    },
  }
}

interface StoreCounts {
  n: number | string
  d: number | string
  s: number | string | null
}

/** Vigil on SQLite (fresh temp data dir) or on PostgreSQL (fresh schema or database, dropped afterwards). */
export function vigilTarget(
  store: 'sqlite' | 'postgres',
  key: string,
  pgIsolation: 'schema' | 'database' = 'schema',
): TargetSpec {
  const id: TargetId = store === 'sqlite' ? 'vigil-sqlite' : 'vigil-postgres'
  return {
    id,
    label: store === 'sqlite' ? 'Vigil (SQLite)' : 'Vigil (PostgreSQL)',
    path: '/v2/alerts',
    format: 'opsgenie',
    headers: { 'Content-Type': 'application/json', Authorization: `GenieKey ${key}` },
    async start() {
      const dataDir = mkdtempSync(join(tmpdir(), `vigil-bench-${store}-`))
      const pgNs = store === 'postgres' ? await freshPostgres(pgIsolation) : undefined
      const databaseUrl = pgNs?.url
      const cleanup = registerCleanup(async () => {
        rmSync(dataDir, { recursive: true, force: true })
        await pgNs?.drop()
      })
      const port = await freePort()
      const env = cleanEnv({
        VIGIL_PORT: String(port),
        VIGIL_HOST: '127.0.0.1',
        VIGIL_DATA_DIR: dataDir,
        VIGIL_LOG_LEVEL: 'warn',
        VIGIL_BOOTSTRAP_API_KEY: key,
        VIGIL_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
        VIGIL_KEY_RATE_LIMIT: VIGIL_RATE_LIMIT,
        ...(databaseUrl ? { VIGIL_DATABASE_URL: databaseUrl } : {}),
      })
      const svc = startService(id, process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: REPO_ROOT,
        env,
      })
      const base = `http://127.0.0.1:${port}`
      await startOrCleanup(svc, () => waitReady(svc, `${base}/ready`, 90_000), cleanup)
      return {
        base,
        service: svc,
        version: `server/main.ts on ${store}`,
        inspect: () =>
          inspectVigil(base, key, store === 'sqlite' ? join(dataDir, 'vigil.sqlite') : databaseUrl),
        async describe() {
          const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })
          return res.ok ? summariseVigilMetrics(await res.text()) : `GET /metrics answered ${res.status}`
        },
        async stop() {
          await svc.stop()
          await cleanup()
        },
      }
    },
  }
}

/** Asks the API for the alert count, then reads distinct aliases and occurrences from the database. */
async function inspectVigil(base: string, key: string, where: string | undefined): Promise<SanityObserved> {
  const out: SanityObserved = { problems: [] }
  try {
    const res = await fetch(`${base}/v2/alerts/count`, {
      headers: { Authorization: `GenieKey ${key}` },
      signal: AbortSignal.timeout(30_000),
    })
    const body = (await res.json()) as { data?: { count?: number } }
    if (res.ok && typeof body.data?.count === 'number') out.apiCount = body.data.count
    else
      out.problems.push(`GET /v2/alerts/count answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`)
  } catch (err) {
    out.problems.push(`GET /v2/alerts/count failed: ${String(err)}`)
  }
  const q = 'select count(*) as n, count(distinct alias) as d, sum(count) as s from alerts'
  try {
    let row: StoreCounts | undefined
    if (where?.startsWith('postgres')) {
      row = (await pgQuery<StoreCounts>(where, q))[0]
    } else if (where) {
      // Read-only: the server still has the file open and must not see a second writer.
      const db = new BetterSqlite3(where, { readonly: true, fileMustExist: true })
      try {
        row = db.prepare(q).get() as StoreCounts
      } finally {
        db.close()
      }
    }
    if (row) {
      out.distinctAliases = Number(row.d)
      out.occurrences = Number(row.s ?? 0)
    }
  } catch (err) {
    out.problems.push(`reading the store failed: ${String(err)}`)
  }
  return out
}
