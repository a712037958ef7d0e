import { envNumber } from '../lib/env'
/** Command line and environment of the escalation benchmark (pure: takes argv and env, returns options). */

/** The targets: one server on SQLite, two servers on one PostgreSQL schema. */
export const ESCALATION_TARGETS = ['sqlite', 'postgres'] as const
export type EscalationTargetId = (typeof ESCALATION_TARGETS)[number]

/** Everything a run is shaped by. */
export interface EscalationOptions {
  only: EscalationTargetId[]
  record: boolean
  /** Run even when server/engine/escalation is absent (to try the harness; every step will be missing). */
  force: boolean
  alerts: number
  rate: number
  /** Seconds to wait past the last step's due time before reading the store. */
  graceSec: number
  teamMembers: number
  postgresInstances: number
  pgIsolation: 'schema' | 'database'
  quietWaitSec: number
}

/** Usage text for `tsx bench/run.ts escalation --help`. */
export const ESCALATION_USAGE = `escalation [--only sqlite,postgres] [--no-record] [--force]
  env: BENCH_ESC_ALERTS (10000) BENCH_ESC_RATE (alerts/s, 100) BENCH_ESC_GRACE_SECONDS (30)
       BENCH_ESC_TEAM_MEMBERS (2) BENCH_ESC_PG_INSTANCES (2) BENCH_PG_URL BENCH_PG_ISOLATION (schema|database)
       BENCH_QUIET_WAIT_SECONDS (60): longest wait for an idle machine before each target
  --force runs even without server/engine/escalation (every step then counts as missing)`

/** Parses argv and env; throws with the usage on anything unknown. */
export function parseEscalationOptions(argv: string[], env: NodeJS.ProcessEnv): EscalationOptions {
  let only: EscalationTargetId[] = [...ESCALATION_TARGETS]
  let record = true
  let force = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--no-record') record = false
    else if (a === '--force') force = true
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length)
      if (!v) throw new Error(`--only needs a value\nusage: ${ESCALATION_USAGE}`)
      const names = v.split(',').map((s) => (s.trim() === 'pg' ? 'postgres' : s.trim()))
      const bad = names.find((s) => !(ESCALATION_TARGETS as readonly string[]).includes(s))
      if (bad) throw new Error(`unknown target '${bad}' (sqlite, postgres)\nusage: ${ESCALATION_USAGE}`)
      only = ESCALATION_TARGETS.filter((t) => names.includes(t))
    } else throw new Error(`unknown argument ${a}\nusage: ${ESCALATION_USAGE}`)
  }
  const iso = env.BENCH_PG_ISOLATION || 'schema'
  if (iso !== 'schema' && iso !== 'database') throw new Error('BENCH_PG_ISOLATION must be schema or database')
  return {
    only,
    record,
    force,
    alerts: Math.round(envNumber(env, 'BENCH_ESC_ALERTS', 10_000, 1, 1_000_000)),
    rate: envNumber(env, 'BENCH_ESC_RATE', 100, 0.1, 10_000),
    graceSec: envNumber(env, 'BENCH_ESC_GRACE_SECONDS', 30, 0, 3600),
    teamMembers: Math.round(envNumber(env, 'BENCH_ESC_TEAM_MEMBERS', 2, 1, 50)),
    postgresInstances: Math.round(envNumber(env, 'BENCH_ESC_PG_INSTANCES', 2, 1, 8)),
    pgIsolation: iso,
    quietWaitSec: envNumber(env, 'BENCH_QUIET_WAIT_SECONDS', 60, 0, 3600),
  }
}
