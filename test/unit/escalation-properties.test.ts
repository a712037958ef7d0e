import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dueSteps, evaluateEscalation } from '../../core/escalation/engine'
import { type EscalationState, MINUTE_MS, type StepRef } from '../../core/escalation/timeline'
import type { EscalationPolicy, EscalationRule } from '../../core/model/escalation'

const T0 = Date.UTC(2026, 0, 5, 3, 0)
const HORIZON = 400 // minutes: longer than any generated policy with its repeats and snoozes
const at = (m: number) => T0 + m * MINUTE_MS

const rule: fc.Arbitrary<EscalationRule> = fc.record({
  condition: fc.constantFrom('if-not-acked', 'if-not-closed'),
  delayMinutes: fc.integer({ min: 0, max: 30 }),
  recipient: fc.record({ type: fc.constant('user' as const), id: fc.constantFrom('u1', 'u2') }),
  notifyType: fc.constant('default' as const),
})

const policyArb = (repeat: { reset?: boolean } = {}): fc.Arbitrary<EscalationPolicy> =>
  fc
    .record({
      rules: fc.array(rule, { minLength: 1, maxLength: 4 }),
      repeat: fc.option(
        fc.record({
          waitIntervalMinutes: fc.integer({ min: 0, max: 20 }),
          count: fc.integer({ min: 0, max: 3 }),
          resetRecipientStates: repeat.reset === undefined ? fc.boolean() : fc.constant(repeat.reset),
          closeAlertAfterAll: fc.boolean(),
        }),
        { nil: undefined },
      ),
    })
    .map(({ rules, repeat }) => ({
      id: 'ep',
      name: 'p',
      ownerTeamId: 't',
      rules: [...rules].sort((a, b) => a.delayMinutes - b.delayMinutes),
      repeat,
    }))

const minute = fc.integer({ min: 0, max: HORIZON })
const stateArb: fc.Arbitrary<EscalationState> = fc
  .record({
    ackAt: fc.option(minute, { nil: undefined }),
    snoozes: fc.array(fc.tuple(minute, fc.integer({ min: 0, max: 60 })), { maxLength: 2 }),
    requests: fc.array(minute, { maxLength: 3 }),
  })
  .map(({ ackAt, snoozes, requests }) => ({
    createdAt: T0,
    acknowledged: ackAt !== undefined,
    ...(ackAt === undefined ? {} : { acknowledgedAt: at(ackAt) }),
    closed: false,
    snoozes: snoozes.map(([from, len]) => ({ from: at(from), until: at(from + len) })),
    escalateToNextRequests: requests.map(at),
  }))

/** Increasing instants from creation to past the horizon, with irregular gaps (some long: downtime). */
const ticks = fc
  .array(fc.integer({ min: 0, max: 90 * MINUTE_MS }), { minLength: 1, maxLength: 40 })
  .map((gaps) => {
    let t = T0 - MINUTE_MS
    const out = gaps.map((g) => {
      t += g + 1
      return t
    })
    out.push(at(HORIZON + 200))
    return out
  })

const key = (s: StepRef) => `${s.cycle}:${s.rule}`
/** What the caller records after an evaluation: fired and skipped steps alike. */
const refs = (ev: { steps: StepRef[]; skipped: StepRef[] }) =>
  [...ev.steps, ...ev.skipped].map(({ rule, cycle }) => ({ rule, cycle }))

/** Runs the engine at each tick with the caller recording fired steps; the state is otherwise fixed. */
function runTicks(policy: EscalationPolicy, state: EscalationState, times: number[]) {
  const fired: Array<StepRef & { tick: number; dueAt: number }> = []
  const s: EscalationState = { ...state, fired: [] }
  for (const now of times) {
    const ev = evaluateEscalation(policy, s, now)
    for (const step of ev.steps)
      fired.push({ rule: step.rule, cycle: step.cycle, tick: now, dueAt: step.dueAt })
    s.fired = [...(s.fired ?? []), ...refs(ev)]
  }
  return fired
}

describe('escalation properties', () => {
  it('never returns a step twice across increasing now values when fired steps are recorded', () => {
    fc.assert(
      fc.property(policyArb(), stateArb, ticks, (policy, state, times) => {
        const fired = runTicks(policy, state, times)
        expect(new Set(fired.map(key)).size).toBe(fired.length)
        for (const f of fired) expect(f.dueAt).toBeLessThanOrEqual(f.tick)
      }),
      { numRuns: 400 },
    )
  })

  it('also with the state changing under it (acks, snoozes, requests, actions applied)', () => {
    fc.assert(
      fc.property(policyArb(), stateArb, ticks, (policy, target, times) => {
        // Reveal the generated history gradually, as it would happen, and apply the engine's actions.
        const s: EscalationState = { createdAt: T0, acknowledged: false, closed: false, fired: [] }
        const seen = new Set<string>()
        for (const now of times) {
          if (target.acknowledgedAt !== undefined && target.acknowledgedAt <= now && !s.acknowledged) {
            s.acknowledged = true
            s.acknowledgedAt = target.acknowledgedAt
          }
          s.snoozes = (target.snoozes ?? []).filter((z) => z.from <= now)
          s.escalateToNextRequests = (target.escalateToNextRequests ?? []).filter((r) => r <= now)
          const ev = evaluateEscalation(policy, s, now)
          for (const step of [...ev.steps, ...ev.skipped]) {
            expect(seen.has(key(step))).toBe(false)
            seen.add(key(step))
          }
          s.fired = [...(s.fired ?? []), ...refs(ev)]
          for (const a of ev.actions) {
            if (a.type === 'close-alert') s.closed = true
            else s.acknowledged = false
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('an ack at any time means no later if-not-acked steps (without reset or later snoozes)', () => {
    fc.assert(
      fc.property(policyArb({ reset: false }), minute, ticks, (policy, ackMinute, times) => {
        const ackAt = at(ackMinute)
        const s: EscalationState = { createdAt: T0, acknowledged: false, closed: false, fired: [] }
        for (const now of times) {
          if (now >= ackAt) {
            s.acknowledged = true
            s.acknowledgedAt = ackAt
          }
          const ev = evaluateEscalation(policy, s, now)
          for (const step of ev.steps) if (now >= ackAt) expect(step.condition).toBe('if-not-closed')
          s.fired = [...(s.fired ?? []), ...refs(ev)]
        }
      }),
      { numRuns: 400 },
    )
  })

  it('with resetRecipientStates an ack silences if-not-acked steps until the next pass begins', () => {
    fc.assert(
      fc.property(policyArb({ reset: true }), minute, ticks, (policy, ackMinute, times) => {
        const ackAt = at(ackMinute)
        const s: EscalationState = { createdAt: T0, acknowledged: false, closed: false, fired: [] }
        for (const now of times) {
          if (now >= ackAt) {
            s.acknowledged = true
            s.acknowledgedAt = ackAt
          }
          const ev = evaluateEscalation(policy, s, now)
          for (const step of ev.steps) {
            if (now >= ackAt && step.condition === 'if-not-acked')
              expect(step.cycleStart).toBeGreaterThan(ackAt)
          }
          s.fired = [...(s.fired ?? []), ...refs(ev)]
          for (const a of ev.actions) {
            if (a.type === 'reset-recipient-states') s.acknowledged = false
          }
        }
      }),
      { numRuns: 400 },
    )
  })

  it('catch-up equivalence: the union of fired steps equals one big jump to the final time', () => {
    fc.assert(
      fc.property(policyArb(), stateArb, ticks, (policy, state, times) => {
        const stepwise = runTicks(policy, state, times).map(key).sort()
        const jump = dueSteps(policy, { ...state, fired: [] }, times[times.length - 1] as number)
          .map(key)
          .sort()
        expect(stepwise).toEqual(jump)
      }),
      { numRuns: 400 },
    )
  })

  it('nextWakeAt is exact: nothing new is due before it, and something is due at it', () => {
    fc.assert(
      fc.property(policyArb(), stateArb, fc.integer({ min: -5, max: HORIZON }), (policy, state, m) => {
        const now = at(m)
        const first = evaluateEscalation(policy, { ...state, fired: [] }, now)
        // Process what is due now as the server would: record steps, apply actions.
        const after: EscalationState = { ...state, fired: refs(first) }
        for (const a of first.actions) {
          if (a.type === 'close-alert') after.closed = true
          else after.acknowledged = false
        }
        const fresh = (t: number) => {
          const ev = evaluateEscalation(policy, after, t)
          return ev.steps.length + ev.skipped.length + ev.actions.length
        }
        if (first.nextWakeAt === undefined) {
          expect(fresh(at(HORIZON * 10))).toBe(0)
        } else {
          expect(first.nextWakeAt).toBeGreaterThan(now)
          expect(fresh(first.nextWakeAt - 1)).toBe(0)
          expect(fresh(first.nextWakeAt)).toBeGreaterThan(0)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('a closed alert fires nothing and needs no wake-up', () => {
    fc.assert(
      fc.property(policyArb(), stateArb, minute, (policy, state, m) => {
        const ev = evaluateEscalation(policy, { ...state, closed: true }, at(m))
        expect(ev).toEqual({ steps: [], skipped: [], actions: [] })
      }),
      { numRuns: 100 },
    )
  })
})
