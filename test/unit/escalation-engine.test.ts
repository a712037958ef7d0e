import { describe, expect, it } from 'vitest'
import {
  type EscalationAction,
  escalationProgress,
  evaluateEscalation,
  nextWakeAt,
  splitCycle,
  stepKey,
} from '../../core/escalation/engine'
import { type RecipientResolver, resolveStep } from '../../core/escalation/recipients'
import { type EscalationState, MINUTE_MS } from '../../core/escalation/timeline'
import { validateEscalationPolicy } from '../../core/escalation/validate'
import type { EscalationPolicy } from '../../core/model/escalation'

const T0 = Date.UTC(2026, 0, 5, 3, 0)
const min = (m: number) => T0 + m * MINUTE_MS

// The 30-minute, three-step policy: on call now, then the next on call, then the team's admins; the
// whole policy repeats twice, 10 minutes after the last rule (a pass is 40 minutes).
const policy: EscalationPolicy = {
  id: 'ep',
  name: 'Ops',
  ownerTeamId: 't1',
  rules: [
    {
      condition: 'if-not-acked',
      delayMinutes: 0,
      recipient: { type: 'schedule', id: 'primary' },
      notifyType: 'default',
    },
    {
      condition: 'if-not-acked',
      delayMinutes: 10,
      recipient: { type: 'schedule', id: 'primary' },
      notifyType: 'next',
    },
    {
      condition: 'if-not-closed',
      delayMinutes: 30,
      recipient: { type: 'team', id: 't1' },
      notifyType: 'admins',
    },
  ],
  repeat: { waitIntervalMinutes: 10, count: 2, resetRecipientStates: false, closeAlertAfterAll: false },
}
const withRepeat = (over: Partial<NonNullable<EscalationPolicy['repeat']>>): EscalationPolicy => ({
  ...policy,
  repeat: { ...(policy.repeat as NonNullable<EscalationPolicy['repeat']>), ...over },
})

type Event = { at: number; apply: (s: EscalationState) => void }
interface Fired {
  minute: number
  rule: number
  cycle: number
}

/** Steps a simulated clock minute by minute, recording fired steps and applying actions like the server. */
function simulate(p: EscalationPolicy, opts: { until: number; events?: Event[]; skip?: [number, number] }) {
  const state: EscalationState = { createdAt: T0, acknowledged: false, closed: false, fired: [] }
  const fired: Fired[] = []
  const skipped: Fired[] = []
  const actions: Array<EscalationAction & { minute: number }> = []
  const pending = [...(opts.events ?? [])].sort((a, b) => a.at - b.at)
  for (let m = 0; m <= opts.until; m++) {
    const now = min(m)
    while (pending[0] && pending[0].at <= now) pending.shift()?.apply(state)
    if (opts.skip && m >= opts.skip[0] && m < opts.skip[1]) continue // the engine is down
    const ev = evaluateEscalation(p, state, now)
    for (const s of ev.steps) fired.push({ minute: m, rule: s.rule, cycle: s.cycle })
    for (const s of ev.skipped) skipped.push({ minute: m, rule: s.rule, cycle: s.cycle })
    state.fired = [
      ...(state.fired ?? []),
      ...[...ev.steps, ...ev.skipped].map(({ rule, cycle }) => ({ rule, cycle })),
    ]
    for (const a of ev.actions) {
      actions.push({ ...a, minute: m })
      if (a.type === 'reset-recipient-states') {
        state.acknowledged = false
        delete state.acknowledgedAt
      } else state.closed = true
    }
  }
  return { fired, skipped, actions, state }
}

const f = (minute: number, rule: number, cycle: number): Fired => ({ minute, rule, cycle })
const ack = (m: number): Event => ({
  at: min(m),
  apply: (s) => {
    s.acknowledged = true
    s.acknowledgedAt = min(m)
  },
})
const snooze = (from: number, until: number): Event => ({
  at: min(from),
  apply: (s) => {
    s.snoozes = [...(s.snoozes ?? []), { from: min(from), until: min(until) }]
  },
})
const escalate = (m: number): Event => ({
  at: min(m),
  apply: (s) => {
    s.escalateToNextRequests = [...(s.escalateToNextRequests ?? []), min(m)]
  },
})

const FULL_RUN = [
  f(0, 0, 0),
  f(10, 1, 0),
  f(30, 2, 0),
  f(40, 0, 1),
  f(50, 1, 1),
  f(70, 2, 1),
  f(80, 0, 2),
  f(90, 1, 2),
  f(110, 2, 2),
]

describe('escalation on a simulated clock', () => {
  it('fires every rule of every pass at its minute, then stops', () => {
    const { fired, actions } = simulate(policy, { until: 200 })
    expect(fired).toEqual(FULL_RUN)
    expect(actions).toEqual([])
  })

  it('an ack stops if-not-acked rules; if-not-closed rules and repeats go on', () => {
    const { fired } = simulate(policy, { until: 200, events: [ack(15)] })
    expect(fired).toEqual([f(0, 0, 0), f(10, 1, 0), f(30, 2, 0), f(70, 2, 1), f(110, 2, 2)])
  })

  it('resetRecipientStates clears the ack when the next pass starts', () => {
    const { fired, actions } = simulate(withRepeat({ resetRecipientStates: true }), {
      until: 200,
      events: [ack(15)],
    })
    expect(actions).toEqual([{ type: 'reset-recipient-states', at: min(40), reason: 'repeat', minute: 40 }])
    expect(fired).toEqual([f(0, 0, 0), f(10, 1, 0), f(30, 2, 0), ...FULL_RUN.slice(3)])
  })

  it('closing stops everything', () => {
    const { fired } = simulate(policy, {
      until: 200,
      events: [
        {
          at: min(20),
          apply: (s) => {
            s.closed = true
          },
        },
      ],
    })
    expect(fired).toEqual([f(0, 0, 0), f(10, 1, 0)])
    expect(nextWakeAt(policy, { createdAt: T0, acknowledged: false, closed: true }, min(20))).toBeUndefined()
  })

  it('a snooze pauses everything; when it ends the policy restarts as if the alert were new', () => {
    const { fired } = simulate(policy, { until: 300, events: [snooze(5, 25)] })
    expect(fired).toEqual([
      f(0, 0, 0),
      // 5–25 snoozed: rule 1 (due at 10) is cancelled. Restart 1 runs its own three passes.
      f(25, 0, 1000),
      f(35, 1, 1000),
      f(55, 2, 1000),
      f(65, 0, 1001),
      f(75, 1, 1001),
      f(95, 2, 1001),
      f(105, 0, 1002),
      f(115, 1, 1002),
      f(135, 2, 1002),
    ])
  })

  it('snoozing an acknowledged alert un-acknowledges it when the snooze ends', () => {
    const { fired, actions } = simulate(policy, { until: 60, events: [ack(2), snooze(5, 25)] })
    expect(actions).toEqual([
      { type: 'reset-recipient-states', at: min(25), reason: 'snooze-ended', minute: 25 },
    ])
    expect(fired).toEqual([f(0, 0, 0), f(25, 0, 1000), f(35, 1, 1000), f(55, 2, 1000)])
  })

  it('acknowledging during a snooze cancels it: nothing fires when it would have ended', () => {
    const { fired, actions } = simulate(policy, { until: 300, events: [snooze(5, 25), ack(10)] })
    expect(fired).toEqual([f(0, 0, 0)])
    expect(actions).toEqual([])
  })

  it('escalate-to-next pulls the next rule to now; later rules keep their times', () => {
    const { fired } = simulate(policy, { until: 60, events: [escalate(3), escalate(31), escalate(33)] })
    expect(fired).toEqual([f(0, 0, 0), f(3, 1, 0), f(30, 2, 0), f(31, 0, 1), f(33, 1, 1)])
  })

  it('escalate-to-next during a snooze is ignored', () => {
    const { fired } = simulate(policy, { until: 30, events: [snooze(5, 25), escalate(6)] })
    expect(fired).toEqual([f(0, 0, 0), f(25, 0, 1000)])
  })

  it('catch-up: after downtime each missed step fires once, in order, marked late', () => {
    const { fired } = simulate(policy, { until: 200, skip: [5, 95] })
    expect(fired).toEqual([
      f(0, 0, 0),
      f(95, 1, 0),
      f(95, 2, 0),
      f(95, 0, 1),
      f(95, 1, 1),
      f(95, 2, 1),
      f(95, 0, 2),
      f(95, 1, 2),
      f(110, 2, 2),
    ])
    const state: EscalationState = {
      createdAt: T0,
      acknowledged: false,
      closed: false,
      fired: [{ rule: 0, cycle: 0 }],
    }
    const ev = evaluateEscalation(policy, state, min(95))
    expect(ev.steps.map((s) => s.lateByMs)).toEqual([85, 65, 55, 45, 25, 15, 5].map((m) => m * MINUTE_MS))
    expect(ev.nextWakeAt).toBe(min(110))
  })

  it('closeAlertAfterAll closes the alert one pass length after the last pass began', () => {
    const closing = withRepeat({ closeAlertAfterAll: true })
    const { fired, actions } = simulate(closing, { until: 300 })
    expect(fired).toEqual(FULL_RUN)
    expect(actions).toEqual([{ type: 'close-alert', at: min(120), cycle: 2, minute: 120 }])
    // Someone acknowledged it: it is theirs now, so it is not closed under them.
    expect(simulate(closing, { until: 300, events: [ack(100)] }).actions).toEqual([])
  })

  it('steps an ack silences are reported as skipped when due, so an un-ack does not send them late', () => {
    const unack = (m: number): Event => ({
      at: min(m),
      apply: (s) => {
        s.acknowledged = false
        delete s.acknowledgedAt
      },
    })
    const closing = withRepeat({ closeAlertAfterAll: true })
    const { fired, skipped, actions } = simulate(closing, {
      until: 300,
      events: [ack(5), unack(20), ack(100), unack(130)],
    })
    expect(skipped).toEqual([f(10, 1, 0), f(120, -1, 2)])
    expect(fired).toEqual([f(0, 0, 0), f(30, 2, 0), ...FULL_RUN.slice(3)])
    expect(actions).toEqual([]) // the skipped close stays skipped after the un-ack
  })

  it('a policy without repeat runs once', () => {
    const once: EscalationPolicy = { ...policy, repeat: undefined }
    expect(simulate(once, { until: 200 }).fired).toEqual(FULL_RUN.slice(0, 3))
  })

  it('nextWakeAt names the next minute anything happens, and then nothing', () => {
    const state: EscalationState = { createdAt: T0, acknowledged: false, closed: false, fired: [] }
    const wakes: number[] = []
    let now = T0
    for (;;) {
      const ev = evaluateEscalation(policy, state, now)
      state.fired = [...(state.fired ?? []), ...ev.steps.map((s) => ({ rule: s.rule, cycle: s.cycle }))]
      if (ev.nextWakeAt === undefined) break
      wakes.push((ev.nextWakeAt - T0) / MINUTE_MS)
      now = ev.nextWakeAt
    }
    expect(wakes).toEqual([10, 30, 40, 50, 70, 80, 90, 110])
    expect(state.fired).toHaveLength(9)
  })

  it('progress reports the pass, last fired step, next step and snooze', () => {
    const state: EscalationState = {
      createdAt: T0,
      acknowledged: false,
      closed: false,
      fired: [
        { rule: 0, cycle: 0 },
        { rule: 1, cycle: 0 },
        { rule: 2, cycle: 0 },
        { rule: 0, cycle: 1 },
      ],
    }
    expect(escalationProgress(policy, state, min(45))).toEqual({
      epoch: 0,
      repeat: 1,
      cycle: 1,
      lastFired: { rule: 0, cycle: 1 },
      next: { rule: 1, cycle: 1, at: min(50) },
      done: false,
    })
    const snoozed = { ...state, snoozes: [{ from: min(46), until: min(60) }] }
    expect(escalationProgress(policy, snoozed, min(50))).toMatchObject({
      snoozedUntil: min(60),
      next: { rule: 0, cycle: 1000, at: min(60) },
    })
    expect(escalationProgress(policy, { ...state, closed: true }, min(45)).done).toBe(true)
  })
})

describe('keys and recipients', () => {
  it('stepKey is unique per (alert, rule, cycle, recipient) and unambiguous', () => {
    expect(stepKey('a1', 2, 1001, 'u1')).toBe('a1:2:1001:u1')
    expect(stepKey('a:1', 2, 0, 'u')).not.toBe(stepKey('a', 1, 2, '0:u'))
    expect(splitCycle(2003)).toEqual({ epoch: 2, repeat: 3 })
  })

  it('resolves a step at the instant it fires; nobody on call is an empty, logged list', async () => {
    const calls: unknown[] = []
    const resolver: RecipientResolver = {
      scheduleOnCall: async (id, instant, notifyType) => {
        calls.push([id, instant, notifyType])
        return notifyType === 'next' ? [] : ['u1', 'u2', 'u1']
      },
      teamMembers: (id, notifyType) => (notifyType === 'admins' ? [`${id}-admin`] : []),
    }
    const state: EscalationState = { createdAt: T0, acknowledged: false, closed: false }
    const steps = evaluateEscalation(policy, state, min(31)).steps
    const resolved = await Promise.all(steps.map((s) => resolveStep('al-1', s, resolver, min(31))))
    expect(resolved.map((r) => r.userIds)).toEqual([['u1', 'u2'], [], ['t1-admin']])
    expect(resolved[0]?.notifications).toEqual([
      { userId: 'u1', key: 'al-1:0:0:u1' },
      { userId: 'u2', key: 'al-1:0:0:u2' },
    ])
    expect(resolved[1]?.log).toBe(
      'rule 2, cycle 0: schedule primary (next): nobody to notify (nobody on call) (late by 21 min)',
    )
    expect(resolved[2]?.log).toBe('rule 3, cycle 0: team t1 (admins): notifying t1-admin (late by 1 min)')
    expect(calls).toEqual([
      ['primary', min(31), 'default'],
      ['primary', min(31), 'next'],
    ])
    const user = {
      ...policy,
      rules: [{ ...policy.rules[0], recipient: { type: 'user', id: 'ann' } }],
    } as EscalationPolicy
    const [step] = evaluateEscalation(user, state, T0).steps
    if (!step) throw new Error('no step')
    expect((await resolveStep('al-1', step, resolver, T0)).userIds).toEqual(['ann'])
  })
})

describe('validateEscalationPolicy', () => {
  it('accepts the example policy', () => {
    expect(validateEscalationPolicy(policy)).toEqual({})
  })

  it('checks notifyType per recipient, delay order, repeat timing and shape', () => {
    const rules = policy.rules
    const errors = validateEscalationPolicy({
      ...policy,
      rules: [
        { ...rules[1], notifyType: 'admins' },
        { ...rules[0], recipient: { type: 'user', id: 'u' }, notifyType: 'next' },
        { ...rules[2], delayMinutes: -1 },
        { ...rules[2], recipient: { type: 'escalation', id: 'x' } },
      ],
      repeat: { waitIntervalMinutes: 0, count: 30, resetRecipientStates: false, closeAlertAfterAll: false },
    })
    expect(errors).toEqual({
      'rules[0].notifyType': 'a schedule recipient takes notifyType default, next, previous, all',
      'rules[1].notifyType': 'a user recipient takes notifyType default',
      'rules[1].delayMinutes': "must be at least the previous rule's delay (10)",
      'rules[2].delayMinutes': 'must be at least 0',
      'rules[3].recipient.type': 'must be "user" or "schedule" or "team"',
      'repeat.count': 'must be at most 20',
    })
    const instant = { ...policy, rules: [rules[0]], repeat: { ...policy.repeat, waitIntervalMinutes: 0 } }
    expect(validateEscalationPolicy(instant)).toEqual({
      'repeat.waitIntervalMinutes': 'must be at least 1 when every rule has delay 0 and the policy repeats',
    })
    expect(validateEscalationPolicy({ ...policy, rules: [] })).toEqual({
      rules: 'must have at least 1 item(s)',
    })
  })
})
