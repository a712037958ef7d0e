import type { FastifyBaseLogger } from 'fastify'
import type { Transaction } from 'kysely'
import {
  type DueStep,
  type EscalationAction,
  type EscalationEvaluation,
  evaluateEscalation,
  resolveStep,
  type StepRef,
  splitCycle,
  stepKey,
} from '../../../core/escalation'
import type { EscalationPolicy } from '../../../core/model/escalation'
import type { Clock } from '../../../core/time/clock'
import { applyAction } from '../../ingest/alert-actions'
import type { AlertRow } from '../../ingest/alert-row'
import type { Batch, GroupCommitWriter } from '../../ingest/group-commit'
import type { Metrics } from '../../metrics'
import type { Database } from '../../store/schema'
import type { Store } from '../../store/store'
import { describeRecipient, lateText, ruleLabel, skippedText } from './log-text'
import { alertSnapshot, alertTitle, insertNotifications, type NewNotification } from './notifications'
import { StoreRecipients } from './recipients'
import {
  nextWake,
  parsePolicy,
  parseState,
  type RunRow,
  type RunState,
  type RunUpdate,
  saveRuns,
} from './state'

/*
 * The durable escalation engine (DESIGN "Exactly-once escalation"). Every timer is a run row's
 * `next_wake_at`; a tick claims the due rows (a bounded batch; on PostgreSQL FOR UPDATE SKIP LOCKED, so
 * instances share the work) and, in that one writer transaction per batch, evaluates each run with core's
 * evaluateEscalation, resolves recipients at that instant, writes one notification per (alert, rule,
 * cycle, user) under core's stepKey with ON CONFLICT DO NOTHING, records fired and skipped steps in the
 * run, applies resets and closes, logs on the alert and re-arms the timer. A crash before commit loses
 * nothing (the row is still due); a commit makes every part visible at once. Because evaluation is
 * "everything due up to now", the first tick after downtime fires each missed step exactly once.
 */

/** Runs claimed per transaction. */
const BATCH = 200
/** Batches per tick before yielding to the timer (keeps one tick from monopolising the writer). */
const MAX_ROUNDS = 25
/** Who the engine's own actions (closing after all repeats, auto-close) are attributed to. */
export const ENGINE_USER = 'Vigil'

/** What one tick did. */
export interface TickResult {
  runs: number
  steps: number
  notifications: number
}

/** What the engine is built from. */
export interface EngineDeps {
  store: Store
  writer: GroupCommitWriter
  clock: Clock
  metrics: Metrics
  logger: FastifyBaseLogger
}

/** The escalation worker: `tick()` for tests and the timer, `start()`/`stop()` for the app. */
export class EscalationEngine {
  private timer?: NodeJS.Timeout
  private started = false
  private chain: Promise<unknown> = Promise.resolve()
  private looping = false
  private again = false
  private looped: Promise<void> = Promise.resolve()

  constructor(
    private readonly deps: EngineDeps,
    private readonly intervalMs = 500,
  ) {}

  /** Processes everything due now (in bounded batches); concurrent calls run one after another. */
  tick(): Promise<TickResult> {
    const run = this.chain.then(() => this.runTick())
    this.chain = run.catch(() => undefined)
    return run
  }

  /** Starts the timer: wakes at the earliest next_wake_at, at least every interval (other instances' runs). */
  start(): void {
    if (this.started || this.intervalMs <= 0) return
    this.started = true
    this.schedule(0)
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.started = false
    if (this.timer) clearTimeout(this.timer)
    await this.looped
    await this.chain
  }

  /** Asks for a prompt look (after a write that created or changed runs); a no-op when not started. */
  nudge(): void {
    if (!this.started) return
    if (this.looping) this.again = true
    else this.schedule(0)
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.looped = this.loop()
    }, delay)
    this.timer.unref()
  }

  private async loop(): Promise<void> {
    if (!this.started) return
    this.looping = true
    this.again = false
    let result: TickResult = { runs: 0, steps: 0, notifications: 0 }
    try {
      result = await this.tick()
    } catch (err) {
      this.deps.logger.error({ err }, 'escalation tick failed')
    }
    let delay = this.intervalMs
    if (!this.started) {
      this.looping = false
      return
    }
    try {
      const next = await this.earliest()
      if (next !== null) {
        // Due but not claimed (another instance holds it): look again soon, not in a hot loop.
        const wait = next - this.deps.clock.now()
        delay = Math.min(this.intervalMs, Math.max(wait, result.runs === 0 && wait <= 0 ? 50 : 0))
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'escalation timer could not read the next wake-up')
    }
    this.looping = false
    if (!this.started) return
    this.schedule(this.again ? 0 : delay)
  }

  private async earliest(): Promise<number | null> {
    const row = await this.deps.store.db
      .selectFrom('escalation_runs')
      .select((eb) => eb.fn.min('next_wake_at').as('next'))
      .where('next_wake_at', 'is not', null)
      .executeTakeFirst()
    return row?.next === null || row?.next === undefined ? null : Number(row.next)
  }

  private async runTick(): Promise<TickResult> {
    const { store, writer, clock, metrics } = this.deps
    // A cheap indexed peek first: most ticks find nothing and should not take the writer's transaction.
    const peek = await store.db
      .selectFrom('escalation_runs')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('next_wake_at', '<=', clock.now())
      .executeTakeFirst()
    const due = Number(peek?.n ?? 0)
    metrics.escalationRunsDue.set(due)
    const total: TickResult = { runs: 0, steps: 0, notifications: 0 }
    if (due === 0) return total
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const r = await writer.submit((trx, batch) => this.claimAndAdvance(trx, batch))
      total.runs += r.claimed
      total.steps += r.steps
      total.notifications += r.notifications
      if (r.claimed < BATCH) break
    }
    return total
  }

  private async claimAndAdvance(
    trx: Transaction<Database>,
    batch: Batch,
  ): Promise<{ claimed: number; steps: number; notifications: number }> {
    const pg = this.deps.store.dialect === 'postgres'
    // Take the counter row first: every writer of alerts serializes on it, so with it held this
    // transaction never waits on a row lock while another writer waits on it (no deadlocks).
    if (pg) await batch.next('change_seq')
    const now = this.deps.clock.now()
    const rows = await trx
      .selectFrom('escalation_runs')
      .selectAll()
      .where('next_wake_at', '<=', now)
      .orderBy('next_wake_at')
      .limit(BATCH)
      .$if(pg, (q) => q.forUpdate().skipLocked())
      .execute()
    const recipients = new StoreRecipients(trx)
    const out = { claimed: rows.length, steps: 0, notifications: 0 }
    if (rows.length === 0) return out
    // One read for the alerts and one insert for the notifications of the whole batch.
    const alerts = new Map<string, AlertRow>()
    for (let i = 0; i < rows.length; i += BATCH) {
      const ids = rows.slice(i, i + BATCH).map((r) => r.alert_id)
      for (const a of await trx.selectFrom('alerts').selectAll().where('id', 'in', ids).execute())
        alerts.set(a.id, a)
    }
    const pending: NewNotification[] = []
    const updates: RunUpdate[] = []
    const closes: Array<{ alert: AlertRow; reason: string }> = []
    for (const row of rows) {
      const r = await this.advance(trx, batch, row, alerts.get(row.alert_id), recipients, now, pending)
      out.steps += r.steps
      updates.push(r.update)
      if (r.close) closes.push(r.close)
    }
    await saveRuns(trx, updates, now)
    const written = await insertNotifications(trx, pending, now)
    out.notifications = written.size
    this.deps.metrics.escalationNotifications.inc(written.size)
    // Closing runs after the notifications exist, so the close notice reaches everyone this tick paged.
    for (const c of closes) {
      await applyAction(trx, batch, c.alert, { type: 'close' }, { user: ENGINE_USER, source: c.reason }, now)
    }
    return out
  }

  /**
   * Everything due for one run at `now`, in the caller's transaction: notifications go to `pending` (the
   * caller inserts them), a due close is returned for the caller to apply after that.
   */
  private async advance(
    trx: Transaction<Database>,
    batch: Batch,
    run: RunRow,
    alert: AlertRow | undefined,
    recipients: StoreRecipients,
    now: number,
    pending: NewNotification[],
  ): Promise<{ steps: number; update: RunUpdate; close?: { alert: AlertRow; reason: string } }> {
    const state = parseState(run.state, run.created_at)
    if (!alert) return { steps: 0, update: { alertId: run.alert_id, state, nextWakeAt: null } }
    const log = (text: string) =>
      batch.log({ alert_id: alert.id, created_at: now, type: 'escalation', owner: 'system', log: text })
    syncWithAlert(state, alert)
    let policy: EscalationPolicy
    let ev: EscalationEvaluation
    try {
      policy = parsePolicy(run.policy)
      ev = evaluateEscalation(policy, state, now)
    } catch (err) {
      // A damaged run must not block the others in its batch forever: stop it, loudly.
      this.deps.logger.error({ err, alertId: alert.id }, 'escalation run cannot be evaluated; stopped')
      log('Escalation stopped: its stored policy or state cannot be read')
      return { steps: 0, update: { alertId: alert.id, state, nextWakeAt: null } }
    }
    const fired: StepRef[] = [...(state.fired ?? [])]
    for (const step of ev.steps) {
      pending.push(...(await this.fire(alert, run, policy, step, recipients, now, log)))
      fired.push({ rule: step.rule, cycle: step.cycle })
    }
    for (const s of ev.skipped) {
      fired.push({ rule: s.rule, cycle: s.cycle })
      this.deps.metrics.escalationSteps.inc({ outcome: 'skipped' })
      log(skippedText(s))
    }
    state.fired = fired
    let close: string | undefined
    for (const action of ev.actions)
      close = (await this.apply(trx, batch, alert, state, action, now, log)) ?? close
    if (!close && !state.closed && state.autoCloseAt !== undefined && state.autoCloseAt <= now) {
      close = `alert policy '${state.autoClosePolicy ?? 'auto-close'}'`
      log(`Closing: the alert policy's auto-close time has come`)
    }
    const update = { alertId: alert.id, state, nextWakeAt: close ? null : nextWake(policy, state, now) }
    // The action path closes it, so the run, the log and the notices to paged people match a manual close.
    return close
      ? { steps: ev.steps.length, update, close: { alert, reason: close } }
      : { steps: ev.steps.length, update }
  }

  /** Fires one step: recipients at `now`, a log line, and the keyed notifications to write. */
  private async fire(
    alert: AlertRow,
    run: RunRow,
    policy: EscalationPolicy,
    step: DueStep,
    recipients: StoreRecipients,
    now: number,
    log: (text: string) => void,
  ): Promise<NewNotification[]> {
    const { metrics } = this.deps
    let resolved: Awaited<ReturnType<typeof resolveStep>>
    try {
      resolved = await resolveStep(alert.id, step, recipients, now)
    } catch (err) {
      // A schedule core cannot compute (e.g. a zone the runtime lacks) counts as nobody on call.
      this.deps.logger.error({ err, alertId: alert.id }, 'escalation recipients could not be resolved')
      resolved = { step, userIds: [], notifications: [], log: '' }
    }
    const what = await describeRecipient(step, recipients)
    const { repeat, epoch } = splitCycle(step.cycle)
    const pass = `${repeat ? `, repeat ${repeat}` : ''}${epoch ? ` (after snooze ${epoch})` : ''}`
    let list = resolved.notifications
    let why = `you are ${step.recipient.type === 'user' ? 'named in the rule' : what}`
    let line: string
    if (resolved.userIds.length === 0) {
      // Nobody to page: say so, and make sure a human hears of it (the alert team's admins).
      const admins = await recipients.teamMembers(run.team_id, 'admins')
      const team = await recipients.teamName(run.team_id)
      // Same key space as the step's own recipients: (alert, rule, cycle, user), so still exactly once.
      list = admins.map((userId) => ({ userId, key: stepKey(alert.id, step.rule, step.cycle, userId) }))
      why = `nobody is ${what} and you are an admin of team '${team}'`
      const names = (await Promise.all(admins.map((id) => recipients.username(id)))).sort()
      const nobody = `nobody ${step.recipient.type === 'schedule' ? 'is ' : 'to notify: '}${what}`
      const fallback = names.length
        ? `notifying team '${team}' admins ${names.join(', ')}`
        : `team '${team}' has no admins to notify`
      line = `${ruleLabel(step)}: ${nobody}${lateText(step.lateByMs)}; ${fallback}`
      metrics.escalationSteps.inc({ outcome: 'nobody' })
    } else {
      const names = (await Promise.all(resolved.userIds.map((id) => recipients.username(id)))).sort()
      line = `${ruleLabel(step)}: notifying ${names.join(', ')} (${what}${lateText(step.lateByMs)})`
      metrics.escalationSteps.inc({ outcome: 'notified' })
    }
    metrics.escalationLateness.observe(step.lateByMs / 1000)
    log(line)
    const payload = {
      actionType: 'create-alert' as const,
      title: alertTitle(alert),
      body: `Escalation '${policy.name}', rule ${step.rule + 1}${pass}: ${why}.`,
      alert: alertSnapshot(alert),
    }
    return list.map((n) => ({
      alertId: alert.id,
      key: n.key,
      userId: n.userId,
      actionType: 'create-alert',
      ruleIndex: step.rule,
      cycle: step.cycle,
      payload,
    }))
  }

  /** Applies one of core's actions; returns a close reason when the alert must close. */
  private async apply(
    trx: Transaction<Database>,
    batch: Batch,
    alert: AlertRow,
    state: RunState,
    action: EscalationAction,
    now: number,
    log: (text: string) => void,
  ): Promise<string | undefined> {
    if (action.type === 'close-alert') {
      log('Closing: every repeat of the escalation is used up and the policy closes the alert after all')
      return 'escalation (all repeats used up)'
    }
    state.acknowledged = false
    delete state.acknowledgedAt
    await trx
      .updateTable('alerts')
      .set({ acknowledged: 0, is_seen: 0, updated_at: now, change_seq: await batch.next('change_seq') })
      .where('id', '=', alert.id)
      .execute()
    log(
      action.reason === 'repeat'
        ? 'Acknowledgement reset: the escalation repeats and resets recipient states'
        : 'Acknowledgement reset: the snooze ended and the escalation starts over',
    )
    return undefined
  }
}

/**
 * The alert row is the truth for open/closed and acknowledged; the run keeps when the ack happened.
 * Every action goes through the ingest path that updates both, so this only repairs a run that missed one.
 */
function syncWithAlert(state: RunState, alert: AlertRow): void {
  if (alert.status === 'closed') state.closed = true
  if (alert.acknowledged === 1 && !state.acknowledged) {
    state.acknowledged = true
    state.acknowledgedAt = alert.updated_at
  } else if (alert.acknowledged === 0 && state.acknowledged) {
    state.acknowledged = false
    delete state.acknowledgedAt
  }
}
