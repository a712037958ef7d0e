import { describe, expect, it } from 'vitest'
import type { NotificationPayload } from '../../core/model/notification'
import {
  cycleKey,
  type NotificationForDelivery,
  planDeliveries,
  type RuleForDelivery,
} from '../../core/notify/rules'

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0) // a Monday, 14:00 in Berlin
const MIN = 60_000

const alertPayload = (priority: string, tags: string[] = []): NotificationPayload => ({
  actionType: 'create-alert',
  title: `[${priority}] #1 Disk full`,
  body: '',
  alert: {
    id: 'a1',
    tinyId: '1',
    alias: 'disk',
    message: 'Disk full',
    priority,
    status: 'open',
    teamId: 'team-ops',
    tags,
    source: 'prometheus',
    entity: 'db-1',
  },
})

const note = (
  payload: NotificationPayload,
  over: Partial<NotificationForDelivery> = {},
): NotificationForDelivery => ({
  id: 'n1',
  actionType: payload.actionType,
  payload,
  createdAt: T0,
  ...over,
})

let seq = 0
const rule = (over: Partial<RuleForDelivery>): RuleForDelivery => ({
  id: `r${++seq}`,
  name: `rule ${seq}`,
  actionType: 'create-alert',
  criteria: { type: 'match-all' },
  steps: [
    {
      contact: { method: 'email', to: 'a@x.test' },
      sendAfter: { timeAmount: 0, timeUnit: 'minutes' },
      enabled: true,
    },
  ],
  order: seq,
  enabled: true,
  ...over,
})

const step = (method: 'email' | 'sms' | 'desktop' | 'voice', to: string, after: number, enabled = true) => ({
  contact: { method, to },
  sendAfter: { timeAmount: after, timeUnit: 'minutes' as const },
  enabled,
})

const P1 = {
  type: 'match-all-conditions' as const,
  conditions: [{ field: 'priority' as const, operation: 'equals' as const, expectedValue: 'P1' }],
}

describe('planDeliveries', () => {
  it('applies only the first matching rule, in rule order, one delivery per enabled step', () => {
    const rules = [
      rule({ order: 2, steps: [step('desktop', 'u', 0)] }),
      rule({
        order: 1,
        criteria: P1,
        steps: [
          step('sms', '+4930123456', 0),
          step('voice', '+4930123456', 5),
          step('email', 'a@x.test', 1, false),
        ],
      }),
    ]
    const plan = planDeliveries(rules, note(alertPayload('P1')), 'UTC')
    expect(plan.rule?.id).toBe(rules[1]?.id)
    expect(plan.deliveries).toEqual([
      { key: '0', step: 0, channel: 'sms', address: '+4930123456', dueAt: T0 },
      { key: '1', step: 1, channel: 'voice', address: '+4930123456', dueAt: T0 + 5 * MIN },
    ])
    // A P3 alert falls through to the catch-all rule.
    const p3 = planDeliveries(rules, note(alertPayload('P3')), 'UTC')
    expect(p3.deliveries.map((d) => d.channel)).toEqual(['desktop'])
  })

  it('ignores disabled rules and rules of other action types', () => {
    const rules = [
      rule({ enabled: false }),
      rule({ actionType: 'acknowledged-alert' }),
      rule({ steps: [step('desktop', 'u', 2)] }),
    ]
    const plan = planDeliveries(rules, note(alertPayload('P2')), 'UTC')
    expect(plan.deliveries).toEqual([
      { key: '0', step: 0, channel: 'desktop', address: 'u', dueAt: T0 + 2 * MIN },
    ])
  })

  it('matches tags and teams from the alert snapshot', () => {
    const byTag = rule({
      criteria: {
        type: 'match-all-conditions',
        conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'db' }],
      },
    })
    expect(planDeliveries([byTag], note(alertPayload('P3', ['db'])), 'UTC').deliveries).toHaveLength(1)
    expect(planDeliveries([byTag], note(alertPayload('P3', ['web'])), 'UTC').reason).toBe(
      'no create-alert notification rule matches',
    )
    const byTeam = rule({
      criteria: {
        type: 'match-all-conditions',
        conditions: [{ field: 'teams', operation: 'contains', expectedValue: 'team-ops' }],
      },
    })
    expect(planDeliveries([byTeam], note(alertPayload('P3')), 'UTC').deliveries).toHaveLength(1)
  })

  it("treats a rule's time restriction as its window, read in the user's zone", () => {
    // Office hours 09:00–17:00 in Berlin: 12:00 UTC is 14:00 there (inside), 18:00 UTC is 20:00 (outside).
    const office = rule({
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
      },
      steps: [step('email', 'a@x.test', 0)],
    })
    const night = rule({ steps: [step('sms', '+4930123456', 0)] })
    const rules = [office, night]
    expect(planDeliveries(rules, note(alertPayload('P1')), 'Europe/Berlin').deliveries[0]?.channel).toBe(
      'email',
    )
    const evening = note(alertPayload('P1'), { createdAt: T0 + 6 * 3600_000 })
    expect(planDeliveries(rules, evening, 'Europe/Berlin').deliveries[0]?.channel).toBe('sms')
    // 16:00 UTC is 16:00 in UTC (inside) but 18:00 in Berlin (outside).
    const four = note(alertPayload('P1'), { createdAt: T0 + 4 * 3600_000 })
    expect(planDeliveries(rules, four, 'UTC').deliveries[0]?.channel).toBe('email')
    expect(planDeliveries(rules, four, 'Europe/Berlin').deliveries[0]?.channel).toBe('sms')
  })

  it('skips steps whose contact is disabled or gone, but never desktop steps', () => {
    const r = rule({
      steps: [step('email', 'off@x.test', 0), step('desktop', 'u', 0), step('sms', '+4930123456', 1)],
    })
    const plan = planDeliveries(
      [r],
      note(alertPayload('P2')),
      'UTC',
      (m, a) => m === 'sms' && a === '+4930123456',
    )
    expect(plan.deliveries.map((d) => d.channel)).toEqual(['desktop', 'sms'])
    const none = planDeliveries(
      [rule({ steps: [step('email', 'off@x.test', 0)] })],
      note(alertPayload('P2')),
      'UTC',
      () => false,
    )
    expect(none.deliveries).toEqual([])
    expect(none.reason).toMatch(/no enabled step with an enabled contact/)
  })

  it('repeats create-alert steps every last-step delay plus loopAfter', () => {
    const r = rule({
      steps: [step('email', 'a@x.test', 0), step('sms', '+4930123456', 5)],
      repeat: { loopAfter: 10, enabled: true },
    })
    const plan = planDeliveries([r], note(alertPayload('P1')), 'UTC')
    expect(plan.deliveries.map((d) => d.repeatEveryMs)).toEqual([15 * MIN, 15 * MIN])
    const off = rule({ repeat: { loopAfter: 10, enabled: false } })
    expect(
      planDeliveries([off], note(alertPayload('P1')), 'UTC').deliveries[0]?.repeatEveryMs,
    ).toBeUndefined()
    const ackRule = rule({ actionType: 'acknowledged-alert', repeat: { loopAfter: 10, enabled: true } })
    const ack = note({ ...alertPayload('P1'), actionType: 'acknowledged-alert' })
    expect(planDeliveries([ackRule], ack, 'UTC').deliveries[0]?.repeatEveryMs).toBeUndefined()
  })

  it('times shift notices from the shift edge by each notificationTime', () => {
    const start = T0 + 24 * 3600_000
    const payload: NotificationPayload = {
      actionType: 'schedule-start',
      title: 'You are on call',
      body: '',
      shift: { scheduleId: 's', scheduleName: 'ops', start, end: start + 8 * 3600_000 },
    }
    const r = rule({
      actionType: 'schedule-start',
      notificationTime: ['just-before', '1-hour-ago', '1-day-ago'],
      steps: [step('email', 'a@x.test', 0)],
    })
    const plan = planDeliveries([r], note(payload, { createdAt: T0 + 60_000 }), 'UTC')
    expect(plan.deliveries.map((d) => [d.key, d.dueAt])).toEqual([
      ['0@just-before', start - MIN],
      ['0@1-hour-ago', start - 60 * MIN],
      // A day before is already past when the notice is written: it goes out at once.
      ['0@1-day-ago', T0 + 60_000],
    ])
  })

  it('names repeat rounds in the key', () => {
    expect(cycleKey('n1', '0', 0)).toBe('n1/0')
    expect(cycleKey('n1', '0@just-before', 3)).toBe('n1/0@just-before/r3')
  })
})
