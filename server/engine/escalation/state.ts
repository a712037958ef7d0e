import { type Selectable, sql, type Transaction } from 'kysely'
import { type EscalationState, evaluateEscalation, MINUTE_MS } from '../../../core/escalation'
import type { EscalationPolicy } from '../../../core/model/escalation'
import type { Dialect } from '../../store/dialect'
import type { Database, EscalationRunsTable } from '../../store/schema'

/*
 * The JSON kept in `escalation_runs.state`: core's EscalationState (the alert's escalation history) plus
 * the alert-policy auto-close timer, which is durable here rather than in a column so that one row and one
 * `next_wake_at` carry every timer an alert has.
 */

/** What the run row's `state` column holds. */
export interface RunState extends EscalationState {
  /** When an alert policy closes the alert (epoch ms), if one asked for it. */
  autoCloseAt?: number
  /** The alert policy that set autoCloseAt, for the log line. */
  autoClosePolicy?: string
}

/** A run row as read from the store. */
export type RunRow = Selectable<EscalationRunsTable>

/** The state of a run that starts at `createdAt`. */
export function initialState(createdAt: number): RunState {
  return { createdAt, acknowledged: false, closed: false, snoozes: [], escalateToNextRequests: [], fired: [] }
}

/** Parses a run's state column; a damaged value restarts from creation rather than stopping the engine. */
export function parseState(text: string, createdAt: number): RunState {
  try {
    const v = JSON.parse(text) as RunState
    if (typeof v === 'object' && v !== null && typeof v.createdAt === 'number') return v
  } catch {
    // fall through
  }
  return initialState(createdAt)
}

/** Parses a run's policy snapshot. */
export function parsePolicy(text: string): EscalationPolicy {
  return JSON.parse(text) as EscalationPolicy
}

/**
 * When the engine must look at the run next, after everything due at `now` has been processed: the
 * escalation's next step, reset or close (core's evaluateEscalation) or the auto-close timer, whichever
 * comes first. Null when nothing more will happen.
 */
export function nextWake(policy: EscalationPolicy, state: RunState, now: number): number | null {
  if (state.closed) return null
  const candidates: number[] = []
  const ev = evaluateEscalation(policy, state, now)
  // Anything still due (the caller has not processed it yet) wants a look right away.
  if (ev.steps.length || ev.skipped.length || ev.actions.length) candidates.push(now)
  if (ev.nextWakeAt !== undefined) candidates.push(ev.nextWakeAt)
  if (state.autoCloseAt !== undefined) candidates.push(state.autoCloseAt)
  return candidates.length ? Math.min(...candidates) : null
}

/** The first wake-up of a new run: its earliest rule, or the auto-close timer. */
export function firstWake(policy: EscalationPolicy, state: RunState): number | null {
  const candidates: number[] = []
  if (policy.rules.length) {
    candidates.push(state.createdAt + Math.min(...policy.rules.map((r) => r.delayMinutes)) * MINUTE_MS)
  }
  if (state.autoCloseAt !== undefined) candidates.push(state.autoCloseAt)
  return candidates.length ? Math.min(...candidates) : null
}

/**
 * Reads an alert's run inside a writer transaction; on PostgreSQL the row is locked so an action and
 * another instance's engine take turns (the engine claims with SKIP LOCKED and never waits for it).
 */
export function lockRun(
  trx: Transaction<Database>,
  dialect: Dialect,
  alertId: string,
): Promise<RunRow | undefined> {
  return trx
    .selectFrom('escalation_runs')
    .selectAll()
    .where('alert_id', '=', alertId)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst()
}

/** Writes a run's new state and wake-up time. */
export async function saveRun(
  trx: Transaction<Database>,
  alertId: string,
  state: RunState,
  nextWakeAt: number | null,
  now: number,
): Promise<void> {
  await trx
    .updateTable('escalation_runs')
    .set({ state: JSON.stringify(state), next_wake_at: nextWakeAt, updated_at: now })
    .where('alert_id', '=', alertId)
    .execute()
}

/** A run's new state and wake-up, to write with saveRuns. */
export interface RunUpdate {
  alertId: string
  state: RunState
  nextWakeAt: number | null
}

/** Runs per statement: three parameters each. */
const SAVE_CHUNK = 300

/**
 * Writes many runs' states and wake-ups in one statement per chunk (UPDATE ... FROM a VALUES list, which
 * both SQLite and PostgreSQL accept): one round trip per batch instead of one per run.
 */
export async function saveRuns(
  trx: Transaction<Database>,
  list: readonly RunUpdate[],
  now: number,
): Promise<void> {
  for (let i = 0; i < list.length; i += SAVE_CHUNK) {
    const values = sql.join(
      list
        .slice(i, i + SAVE_CHUNK)
        .map((u) => sql`(${u.alertId}, ${JSON.stringify(u.state)}, cast(${u.nextWakeAt} as bigint))`),
    )
    await sql`with v(alert_id, state, next_wake_at) as (values ${values})
      update escalation_runs set state = v.state, next_wake_at = v.next_wake_at, updated_at = ${now}
      from v where escalation_runs.alert_id = v.alert_id`.execute(trx)
  }
}
