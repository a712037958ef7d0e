import { Duration } from 'luxon'
import { ESCALATION_LIMITS, type EscalationPolicy } from '../model/escalation'

/*
 * The escalation timeline of one alert, computed from its history alone (no clock, no stored progress),
 * so that evaluating at any `now` gives the same answer whether the engine looked every minute or was
 * down for an hour. Definitions used throughout core/escalation:
 *
 * - A *cycle* is one pass through the rules. Cycle start = pass start; rule i is due `delayMinutes`
 *   after it. Repeat r of a pass starts r × L after the pass, L = last rule's delay + waitInterval
 *   (at least one minute, so a zero-length policy cannot repeat in a burst).
 * - An *epoch* is the run of passes from alert creation, or from the end of a snooze. Opsgenie: "When the
 *   snooze ends ... Opsgenie assumes that alert is just received and sends notifications according to
 *   it" (docs.opsgenie.com/docs/snooze). So a snooze [from, until) cancels every step of the running epoch
 *   due at or after `from`, and a new epoch (cycle 0, repeat count reset) starts at `until`. Steps due
 *   *before* `from` are unaffected: if the engine was late they still fire, once (catch-up).
 * - Acknowledging during a snooze cancels it ("There won't be any notifications when snooze ends"): the
 *   window then never ends while the alert stays acknowledged.
 * - Cycle numbers are global and unique per alert: cycle = epoch × CYCLE_STRIDE + repeat, so the
 *   store's unique key (alert, rule, cycle, recipient) also separates restarts.
 * - Escalate-to-next at instant R pulls the next escalation level of the epoch running at R (the first
 *   not-yet-due step, together with the steps of the same cycle due at the same time) forward to R.
 *   Later steps keep their times. Requests during a snooze or before creation are ignored.
 */

/** One minute in milliseconds (delays are whole minutes). */
export const MINUTE_MS = Duration.fromObject({ minutes: 1 }).toMillis()

/** Cycle numbers of restart k are k × CYCLE_STRIDE + repeat; repeats are capped far below it. */
export const CYCLE_STRIDE = 1000

/** A snooze: notifications paused from `from` until `until` (epoch ms). */
export interface Snooze {
  from: number
  until: number
}

/** A step of the policy: rule index (into policy.rules) and global cycle number. */
export interface StepRef {
  rule: number
  cycle: number
}

/** Everything the engine needs to know about one alert; instants are epoch milliseconds. */
export interface EscalationState {
  createdAt: number
  acknowledged: boolean
  /** When the current acknowledgement happened; if absent while acknowledged, createdAt is assumed. */
  acknowledgedAt?: number
  closed: boolean
  /** Snoozes, past and current (a re-snooze while snoozed should update the last `until`). */
  snoozes?: readonly Snooze[]
  /** Instants of escalate-to-next requests. */
  escalateToNextRequests?: readonly number[]
  /** Steps already fired, as recorded by the caller in the same transaction as the notifications. */
  fired?: readonly StepRef[]
}

/** A run of cycles from `start` until `end` (a snooze start, or Infinity). */
export interface Epoch {
  index: number
  start: number
  end: number
}

/** A step with its due time (`dueAt`, after escalate-to-next pulls) and its place in the timeline. */
export interface PlannedStep extends StepRef {
  epoch: number
  repeat: number
  dueAt: number
  cycleStart: number
  epochStart: number
}

/** An instant at which an earlier acknowledgement stops counting (a repeat with reset, or a restart). */
export interface AckBoundary {
  at: number
  reason: 'repeat' | 'snooze-ended'
}

/** When the alert should close because an epoch used up its repeats (closeAlertAfterAll). */
export interface PlannedClose {
  epoch: number
  at: number
  finalCycle: number
  finalCycleStart: number
  epochStart: number
}

/** The whole timeline of an alert's escalation under a policy. */
export interface EscalationPlan {
  epochs: Epoch[]
  steps: PlannedStep[]
  boundaries: AckBoundary[]
  closes: PlannedClose[]
  /** The acknowledgement instant, if acknowledged. */
  ackAt?: number
}

/** When the current acknowledgement happened, or undefined if the alert is not acknowledged. */
export function ackInstant(state: EscalationState): number | undefined {
  if (!state.acknowledged) return undefined
  return state.acknowledgedAt ?? state.createdAt
}

/** Effective snooze windows: clamped to creation, cut open-ended by an ack inside them, merged. */
export function snoozeWindows(state: EscalationState): Snooze[] {
  const ackAt = ackInstant(state)
  const windows = (state.snoozes ?? [])
    .map((s) => ({ from: Math.max(s.from, state.createdAt), until: s.until }))
    .filter((w) => w.until >= w.from)
    .map((w) => (ackAt !== undefined && ackAt >= w.from && ackAt < w.until ? { ...w, until: Infinity } : w))
    .sort((a, b) => a.from - b.from)
  const merged: Snooze[] = []
  for (const w of windows) {
    const last = merged[merged.length - 1]
    if (last && w.from < last.until) last.until = Math.max(last.until, w.until)
    else merged.push({ ...w })
  }
  return merged
}

/** Epochs of the alert: from creation to the first snooze, then from each snooze end to the next. */
export function epochsOf(state: EscalationState): Epoch[] {
  const epochs: Epoch[] = []
  let start = state.createdAt
  for (const w of snoozeWindows(state)) {
    epochs.push({ index: epochs.length, start, end: w.from })
    start = w.until
    if (!Number.isFinite(start)) return epochs
  }
  epochs.push({ index: epochs.length, start, end: Infinity })
  return epochs
}

/** The policy's timing constants: rule order by delay, pass length, repeat count. */
export function policyShape(policy: EscalationPolicy) {
  const rules = policy.rules
  // Rules should already be listed by delay (validation insists); sorting keeps "next rule" well defined.
  const order = rules
    .map((_, i) => i)
    .sort((a, b) => (rules[a]?.delayMinutes ?? 0) - (rules[b]?.delayMinutes ?? 0) || a - b)
  const lastDelay = Math.max(0, ...rules.map((r) => r.delayMinutes))
  const wait = policy.repeat?.waitIntervalMinutes ?? 0
  const passMs = Math.max(lastDelay + wait, 1) * MINUTE_MS
  const repeats = Math.min(Math.max(policy.repeat?.count ?? 0, 0), ESCALATION_LIMITS.repeats)
  return { order, passMs, repeats }
}

/** Plans every step, acknowledgement boundary and auto-close of the alert's escalation. */
export function planEscalation(policy: EscalationPolicy, state: EscalationState): EscalationPlan {
  const { order, passMs, repeats } = policyShape(policy)
  const n = order.length
  const total = (repeats + 1) * n
  const requests = [...(state.escalateToNextRequests ?? [])].sort((a, b) => a - b)
  const plan: EscalationPlan = { epochs: epochsOf(state), steps: [], boundaries: [], closes: [] }
  const ackAt = ackInstant(state)
  if (ackAt !== undefined) plan.ackAt = ackAt
  for (const epoch of plan.epochs) {
    const nominal = (j: number) => {
      const repeat = Math.floor(j / n)
      const rule = order[j % n] as number
      const cycleStart = epoch.start + repeat * passMs
      return {
        rule,
        repeat,
        cycleStart,
        at: cycleStart + (policy.rules[rule]?.delayMinutes ?? 0) * MINUTE_MS,
      }
    }
    const pulled = new Map<number, number>()
    const due = (j: number) => pulled.get(j) ?? nominal(j).at
    let p = 0
    for (const r of requests) {
      if (r < epoch.start || r >= epoch.end) continue
      while (p < total && due(p) <= r) p++
      if (p >= total) break
      const head = nominal(p)
      for (let j = p; j < total; j++) {
        const s = nominal(j)
        if (s.repeat !== head.repeat || s.at !== head.at) break
        pulled.set(j, r)
      }
    }
    for (let j = 0; j < total; j++) {
      const s = nominal(j)
      const dueAt = due(j)
      if (dueAt >= epoch.end) break
      plan.steps.push({
        rule: s.rule,
        cycle: epoch.index * CYCLE_STRIDE + s.repeat,
        epoch: epoch.index,
        repeat: s.repeat,
        dueAt,
        cycleStart: s.cycleStart,
        epochStart: epoch.start,
      })
    }
    if (epoch.index > 0) plan.boundaries.push({ at: epoch.start, reason: 'snooze-ended' })
    if (policy.repeat?.resetRecipientStates) {
      for (let r = 1; r <= repeats; r++) {
        const at = epoch.start + r * passMs
        if (at < epoch.end) plan.boundaries.push({ at, reason: 'repeat' })
      }
    }
    const closeAt = epoch.start + (repeats + 1) * passMs
    if (policy.repeat?.closeAlertAfterAll && closeAt < epoch.end) {
      plan.closes.push({
        epoch: epoch.index,
        at: closeAt,
        finalCycle: epoch.index * CYCLE_STRIDE + repeats,
        finalCycleStart: epoch.start + repeats * passMs,
        epochStart: epoch.start,
      })
    }
  }
  plan.boundaries.sort((a, b) => a.at - b.at)
  return plan
}

/**
 * Whether the current acknowledgement counts for a cycle: always within the epoch it was given in, not
 * across a snooze restart (the restart un-acknowledges), and with resetRecipientStates not across a
 * repeat either.
 */
export function ackCounts(
  policy: EscalationPolicy,
  ackAt: number | undefined,
  epoch: number,
  epochStart: number,
  repeat: number,
  cycleStart: number,
): boolean {
  if (ackAt === undefined) return false
  if (epoch > 0 && ackAt < epochStart) return false
  if (policy.repeat?.resetRecipientStates && repeat > 0 && ackAt < cycleStart) return false
  return true
}
