import { envNumber } from '../lib/env'
/** Command line and environment of the sync benchmark (pure: takes argv and env, returns options). */

/** The parts of the benchmark. */
export const SYNC_PARTS = ['latency', 'catchup'] as const
export type SyncPart = (typeof SYNC_PARTS)[number]

/** One load shape. */
export interface LoadShape {
  clients: number
  rate: number
}

/** Everything a run is shaped by. */
export interface SyncOptions {
  only: SyncPart[]
  record: boolean
  store: 'sqlite' | 'postgres'
  shapes: LoadShape[]
  /** Console replicas among each shape's clients (RxDB allows 13 open collections per realm). */
  replicas: number
  warmupSec: number
  seconds: number
  catchUpAlerts: number
  catchUpRate: number
  quietWaitSec: number
}

/** Usage text for `tsx bench/run.ts sync --help`. */
export const SYNC_USAGE = `sync [--only latency,catchup] [--no-record]
  env: BENCH_SYNC_STORE (sqlite|postgres, sqlite) BENCH_SYNC_SECONDS (10) BENCH_SYNC_WARMUP_SECONDS (2)
       BENCH_SYNC_REPLICAS (8, at most 12) BENCH_SYNC_CATCHUP_ALERTS (50000) BENCH_SYNC_CATCHUP_RATE (2000)
       BENCH_QUIET_WAIT_SECONDS (60)`

/** The issue's two load shapes. */
export const ISSUE_SHAPES: LoadShape[] = [
  { clients: 100, rate: 200 },
  { clients: 1000, rate: 50 },
]

/** Parses argv and env; throws with the usage on anything unknown. */
export function parseSyncOptions(argv: string[], env: NodeJS.ProcessEnv): SyncOptions {
  let only: SyncPart[] = [...SYNC_PARTS]
  let record = true
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--no-record') record = false
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length)
      if (!v) throw new Error(`--only needs a value\nusage: ${SYNC_USAGE}`)
      const names = v.split(',').map((s) => s.trim())
      const bad = names.find((s) => !(SYNC_PARTS as readonly string[]).includes(s))
      if (bad) throw new Error(`unknown part '${bad}' (latency, catchup)\nusage: ${SYNC_USAGE}`)
      only = SYNC_PARTS.filter((p) => names.includes(p))
    } else throw new Error(`unknown argument ${a}\nusage: ${SYNC_USAGE}`)
  }
  const store = env.BENCH_SYNC_STORE || 'sqlite'
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error('BENCH_SYNC_STORE must be sqlite or postgres')
  return {
    only,
    record,
    store,
    shapes: ISSUE_SHAPES,
    replicas: Math.round(envNumber(env, 'BENCH_SYNC_REPLICAS', 8, 0, 12)),
    warmupSec: envNumber(env, 'BENCH_SYNC_WARMUP_SECONDS', 2, 0, 60),
    seconds: envNumber(env, 'BENCH_SYNC_SECONDS', 10, 1, 600),
    catchUpAlerts: Math.round(envNumber(env, 'BENCH_SYNC_CATCHUP_ALERTS', 50_000, 1, 1_000_000)),
    catchUpRate: envNumber(env, 'BENCH_SYNC_CATCHUP_RATE', 2000, 1, 100_000),
    quietWaitSec: envNumber(env, 'BENCH_QUIET_WAIT_SECONDS', 60, 0, 3600),
  }
}
