/** Pure parsing of the ingest benchmark's flags and BENCH_* environment variables. */
import { TARGET_IDS, type TargetId } from '../lib/report'

/** Everything that shapes an ingest run. */
export interface IngestOptions {
  targets: TargetId[]
  /** Append to bench/RESULTS.md (off with --no-record, for trying the harness out). */
  record: boolean
  seconds: number
  warmupSec: number
  connections: number
  threads: number
  timeoutSec: number
  aliases: number
  bodies: number
  /** Extra attempts for a target whose measured run was disturbed by other work. */
  retries: number
  /** Longest wait for a quiet machine before each target (the machine is shared). */
  quietWaitSec: number
  /** PostgreSQL target's isolation: a fresh schema in the base database, or a fresh database. */
  pgIsolation: 'schema' | 'database'
}

/** Short names accepted by --only, each expanding to one or more targets. */
const ALIASES: Record<string, TargetId[]> = {
  noop: ['noop'],
  alertmanager: ['alertmanager'],
  am: ['alertmanager'],
  floor: ['floor'],
  vigil: ['vigil-sqlite', 'vigil-postgres'],
  sqlite: ['vigil-sqlite'],
  'vigil-sqlite': ['vigil-sqlite'],
  postgres: ['vigil-postgres'],
  pg: ['vigil-postgres'],
  'vigil-postgres': ['vigil-postgres'],
}

/** Usage text for `tsx bench/run.ts ingest --help`. */
export const INGEST_USAGE = `ingest [--only noop,alertmanager,floor,sqlite,postgres] [--no-record]
  env: BENCH_SECONDS (15) BENCH_WARMUP_SECONDS (3) BENCH_CONNECTIONS (32) BENCH_THREADS (2)
       BENCH_TIMEOUT_SECONDS (5) BENCH_ALIASES (5000) BENCH_BODIES (10000)
       BENCH_QUIET_WAIT_SECONDS (180): longest wait for an idle machine before each target
       BENCH_RETRIES (2): extra attempts for a target whose run other work disturbed (least disturbed kept)
       BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test) BENCH_ALERTMANAGER_BIN
       BENCH_PG_ISOLATION (schema | database): fresh schema in BENCH_PG_URL's database, or a fresh database`

function positiveInt(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`)
  return n
}

function pgIsolation(raw: string | undefined): IngestOptions['pgIsolation'] {
  if (raw === undefined || raw === '' || raw === 'schema') return 'schema'
  if (raw === 'database') return 'database'
  throw new Error("BENCH_PG_ISOLATION must be 'schema' or 'database'")
}

/** Parses argv (after the benchmark name) and the environment; throws with a readable message. */
export function parseIngestOptions(argv: string[], env: Record<string, string | undefined>): IngestOptions {
  let targets: TargetId[] = [...TARGET_IDS]
  let record = true
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--no-record') record = false
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length)
      if (!list) throw new Error('--only needs a comma-separated list')
      const wanted = new Set<TargetId>()
      for (const name of list.split(',').map((s) => s.trim().toLowerCase())) {
        const ids = ALIASES[name]
        if (!ids) throw new Error(`unknown target '${name}' (known: ${Object.keys(ALIASES).join(', ')})`)
        for (const id of ids) wanted.add(id)
      }
      // Keep the canonical order so the baselines run first whatever order the user typed.
      targets = TARGET_IDS.filter((id) => wanted.has(id))
    } else throw new Error(`unknown argument '${arg}'`)
  }
  const aliases = positiveInt(env, 'BENCH_ALIASES', 5000, 1_000_000)
  const bodies = positiveInt(env, 'BENCH_BODIES', Math.max(10_000, aliases), 1_000_000)
  if (bodies < aliases) throw new Error('BENCH_BODIES must be at least BENCH_ALIASES so every alias is sent')
  return {
    targets,
    record,
    // Bounded: no run longer than 10 minutes per phase, so the bench always ends on its own.
    seconds: positiveInt(env, 'BENCH_SECONDS', 15, 600),
    warmupSec: positiveInt(env, 'BENCH_WARMUP_SECONDS', 3, 600),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 32, 1024),
    threads: positiveInt(env, 'BENCH_THREADS', 2, 64),
    timeoutSec: positiveInt(env, 'BENCH_TIMEOUT_SECONDS', 5, 60),
    aliases,
    bodies,
    quietWaitSec: positiveInt(env, 'BENCH_QUIET_WAIT_SECONDS', 180, 3600),
    retries: env.BENCH_RETRIES === '0' ? 0 : positiveInt(env, 'BENCH_RETRIES', 2, 10),
    pgIsolation: pgIsolation(env.BENCH_PG_ISOLATION),
  }
}
