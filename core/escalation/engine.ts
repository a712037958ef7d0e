import type {
  EscalationCondition,
  EscalationPolicy,
  EscalationRecipient,
  EscalationRule,
} from '../model/escalation'
import {
  ackCounts,
  CYCLE_STRIDE,
  type EscalationPlan,
  type EscalationState,
  epochsOf,
  type PlannedStep,
  planEscalation,
  policyShape,
  type StepRef,
  snoozeWindows,
} from './timeline'

/*
 * The engine's pure core. The server calls evaluateEscalation(policy, state, now) for an alert whose
 * timer fired, and in one transaction: writes a notification row per (step, recipient) under
 * stepKey(...) (unique in the store: the exactly-once guarantee), appends `steps` and `skipped` to
 * `state.fired`, applies the actions, and re-arms its durable timer at `nextWakeAt`.
 *
 * - Idempotent: a step is due iff its time has come, it is not in `fired`, the alert is open and its
 *   condition holds; calling again with the same state returns the same steps.
 * - Catch-up: after downtime every step that became due meanwhile is returned once, in due order, with
 *   `lateByMs`; never once per missed tick. Due sets only grow with `now` for a fixed state, so one big
 *   jump fires exactly the union of what many small steps would have fired.
 * - Conditions are judged on the current state when the step would fire: a closed alert fires nothing;
 *   an acknowledged one fires no if-not-acked step of a cycle its acknowledgement counts for (see
 *   timeline.ts ackCounts), even one that fell due before the ack but had not fired yet. Such a step is
 *   returned as `skipped` once it is due, so recording it keeps a later un-ack from resurrecting it.
 */

/** A step to fire now: its rule's recipient and condition, and how late the engine is. */
export interface DueStep extends PlannedStep {
  condition: EscalationCondition
  recipient: EscalationRecipient
  notifyType: EscalationRule['notifyType']
  lateByMs: number
}

/** Side effects on the alert that the escalation calls for. */
export type EscalationAction =
  /** Clear the alert's ack and seen states (a repeat with resetRecipientStates, or a snooze ending). */
  | { type: 'reset-recipient-states'; at: number; reason: 'repeat' | 'snooze-ended' }
  /** Close the alert: the policy's repeats are used up and closeAlertAfterAll is set. */
  | { type: 'close-alert'; at: number; cycle: number }

/** A due step (or auto-close, rule CLOSE_RULE) not carried out because the alert is acknowledged. */
export interface SkippedStep extends StepRef {
  dueAt: number
  reason: 'acknowledged'
}

/**
 * Everything due at `now`, and when to look next. The caller records `steps` *and* `skipped` in
 * `state.fired`, so a later un-acknowledgement (or a reset) cannot bring a silenced past step back as
 * a stale notification; then applies `actions`.
 */
export interface EscalationEvaluation {
  steps: DueStep[]
  skipped: SkippedStep[]
  actions: EscalationAction[]
  nextWakeAt?: number
}

/** Unique key of one notification: (alert, rule, cycle, recipient). Parts are URI-encoded, so unambiguous. */
export function stepKey(alertId: string, ruleIndex: number, cycle: number, recipientId: string): string {
  return [alertId, String(ruleIndex), String(cycle), recipientId].map(encodeURIComponent).join(':')
}

/** The restart (epoch) and repeat a global cycle number stands for. */
export function splitCycle(cycle: number): { epoch: number; repeat: number } {
  return { epoch: Math.floor(cycle / CYCLE_STRIDE), repeat: cycle % CYCLE_STRIDE }
}

const refKey = (s: StepRef) => `${s.cycle}:${s.rule}`

/** The pseudo rule index under which a skipped auto-close is recorded in `fired`. */
export const CLOSE_RULE = -1

/** True when the step's if-not-acked condition fails because the current ack covers its cycle. */
function silenced(policy: EscalationPolicy, plan: EscalationPlan, s: PlannedStep): boolean {
  const rule = policy.rules[s.rule]
  return (
    rule?.condition === 'if-not-acked' &&
    ackCounts(policy, plan.ackAt, s.epoch, s.epochStart, s.repeat, s.cycleStart)
  )
}

function toDue(policy: EscalationPolicy, s: PlannedStep, now: number): DueStep {
  const rule = policy.rules[s.rule] as EscalationRule
  return {
    ...s,
    condition: rule.condition,
    recipient: rule.recipient,
    notifyType: rule.notifyType,
    lateByMs: Math.max(0, now - s.dueAt),
  }
}

/** Steps, actions and the next wake-up in one pass over the plan (what the engine calls). */
export function evaluateEscalation(
  policy: EscalationPolicy,
  state: EscalationState,
  now: number,
): EscalationEvaluation {
  if (state.closed) return { steps: [], skipped: [], actions: [] }
  const plan = planEscalation(policy, state)
  const fired = new Set((state.fired ?? []).map(refKey))
  const steps: DueStep[] = []
  const skipped: SkippedStep[] = []
  let wake = Infinity
  for (const s of plan.steps) {
    const rule = policy.rules[s.rule]
    if (!rule || fired.has(refKey(s))) continue
    const quiet = silenced(policy, plan, s)
    if (s.dueAt <= now) {
      if (quiet) skipped.push({ rule: s.rule, cycle: s.cycle, dueAt: s.dueAt, reason: 'acknowledged' })
      else steps.push(toDue(policy, s, now))
    } else wake = Math.min(wake, s.dueAt) // silenced steps too: they are recorded as skipped on time
  }
  steps.sort((a, b) => a.dueAt - b.dueAt || a.cycle - b.cycle || a.rule - b.rule)
  const actions: EscalationAction[] = []
  // A reset is owed at the first boundary after the ack (a repeat with reset, or a snooze restart).
  const ackAt = plan.ackAt
  const reset = ackAt === undefined ? undefined : plan.boundaries.find((b) => b.at > ackAt)
  if (reset) {
    if (reset.at <= now) actions.push({ type: 'reset-recipient-states', at: reset.at, reason: reset.reason })
    else wake = Math.min(wake, reset.at)
  }
  let closing = false
  for (const c of plan.closes) {
    const ref = { rule: CLOSE_RULE, cycle: c.finalCycle }
    if (fired.has(refKey(ref))) continue
    const { repeat } = splitCycle(c.finalCycle)
    // An acknowledged alert is someone's work in progress: it is not closed under them.
    const quiet = ackCounts(policy, plan.ackAt, c.epoch, c.epochStart, repeat, c.finalCycleStart)
    if (c.at > now) wake = Math.min(wake, c.at)
    else if (quiet) skipped.push({ ...ref, dueAt: c.at, reason: 'acknowledged' })
    else if (!closing) {
      actions.push({ type: 'close-alert', at: c.at, cycle: c.finalCycle })
      closing = true
    }
  }
  // Once the due close is applied nothing more will happen.
  return Number.isFinite(wake) && !closing
    ? { steps, skipped, actions, nextWakeAt: wake }
    : { steps, skipped, actions }
}

/**
 * The steps due at or before `now` that have not fired, in due order (see the module comment for the
 * exact rules). Pair with stepKey per resolved recipient and record them in `state.fired`; the engine
 * should call evaluateEscalation instead, which also returns the skipped steps to record.
 */
export function dueSteps(policy: EscalationPolicy, state: EscalationState, now: number): DueStep[] {
  return evaluateEscalation(policy, state, now).steps
}

/** Actions due at or before `now`: resetting recipient states, closing after the last repeat. */
export function dueActions(
  policy: EscalationPolicy,
  state: EscalationState,
  now: number,
): EscalationAction[] {
  return evaluateEscalation(policy, state, now).actions
}

/**
 * The next instant after `now` at which something becomes due (a step, a reset or the auto-close),
 * assuming the caller has processed what is due now; undefined when the escalation is finished or the
 * alert is closed. Steps an ack silences count too, so they are recorded as skipped when they fall due
 * and an un-ack afterwards resumes from the present instead of sending them late. Acks, snoozes and
 * escalate requests change the answer: re-evaluate after each.
 */
export function nextWakeAt(
  policy: EscalationPolicy,
  state: EscalationState,
  now: number,
): number | undefined {
  return evaluateEscalation(policy, state, now).nextWakeAt
}

/** Where an alert's escalation stands, for the console and the alert log. */
export interface EscalationProgress {
  /** The pass in progress at `now`: restart index, repeat index and their global cycle number. */
  epoch: number
  repeat: number
  cycle: number
  /** The latest recorded step (fired or skipped, by due time), if any. */
  lastFired?: StepRef
  /** The next step that will fire, and when. */
  next?: { rule: number; cycle: number; at: number }
  /** End of the snooze in force at `now`, if snoozed (Infinity: cancelled by an ack). */
  snoozedUntil?: number
  /** True when nothing more will happen unless the alert's state changes. */
  done: boolean
}

/** Summarises the escalation at `now`: current pass, last fired step, next step, snooze, done. */
export function escalationProgress(
  policy: EscalationPolicy,
  state: EscalationState,
  now: number,
): EscalationProgress {
  const { passMs, repeats } = policyShape(policy)
  const epochs = epochsOf(state)
  const current = [...epochs].reverse().find((e) => e.start <= now) ?? (epochs[0] as (typeof epochs)[number])
  const repeat = Math.min(Math.max(Math.floor((now - current.start) / passMs), 0), repeats)
  const out: EscalationProgress = {
    epoch: current.index,
    repeat,
    cycle: current.index * CYCLE_STRIDE + repeat,
    done: false,
  }
  const plan = planEscalation(policy, state)
  const firedKeys = new Set((state.fired ?? []).map(refKey))
  const last = plan.steps
    .filter((s) => firedKeys.has(refKey(s)))
    .sort((a, b) => a.dueAt - b.dueAt)
    .pop()
  if (last) out.lastFired = { rule: last.rule, cycle: last.cycle }
  const snooze = snoozeWindows(state).find((w) => w.from <= now && now < w.until)
  if (snooze) out.snoozedUntil = snooze.until
  const evaluation = evaluateEscalation(policy, state, now)
  const next = state.closed
    ? undefined
    : plan.steps.find((s) => s.dueAt > now && !firedKeys.has(refKey(s)) && !silenced(policy, plan, s))
  if (next) out.next = { rule: next.rule, cycle: next.cycle, at: next.dueAt }
  out.done =
    evaluation.steps.length === 0 &&
    evaluation.skipped.length === 0 &&
    evaluation.actions.length === 0 &&
    evaluation.nextWakeAt === undefined
  return out
}
