import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { CriteriaSubject } from '../../core/criteria/evaluate'
import { MATCH_ALL } from '../../core/model/criteria'
import type { RoutingRule } from '../../core/model/routing'
import type { TimeRestriction } from '../../core/model/time-restriction'
import { routeAlert } from '../../core/routing/route'
import { validateRoutingRules } from '../../core/routing/validate'

const BERLIN = 'Europe/Berlin'
const at = (iso: string) => DateTime.fromISO(iso, { zone: BERLIN }).toMillis()
const officeHours: TimeRestriction = {
  type: 'time-of-day',
  restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
}
const weekend: TimeRestriction = {
  type: 'weekday-and-time-of-day',
  restrictions: [
    { startDay: 'saturday', startHour: 0, startMin: 0, endDay: 'monday', endHour: 0, endMin: 0 },
  ],
}

const rule = (over: Partial<RoutingRule> & Pick<RoutingRule, 'id'>): RoutingRule => ({
  name: over.id,
  order: 0,
  criteria: MATCH_ALL,
  timezone: BERLIN,
  notify: { type: 'none' },
  isDefault: false,
  ...over,
})

const rules: RoutingRule[] = [
  rule({
    id: 'default',
    name: 'Default',
    order: 0,
    isDefault: true,
    notify: { type: 'escalation', id: 'team-default' },
  }),
  rule({
    id: 'p1',
    name: 'P1 always',
    order: 0,
    criteria: {
      type: 'match-all-conditions',
      conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
    },
    notify: { type: 'escalation', id: 'critical' },
  }),
  rule({
    id: 'office',
    name: 'Office hours',
    order: 2,
    timeRestriction: officeHours,
    notify: { type: 'schedule', id: 'day-schedule' },
  }),
  rule({
    id: 'noisy',
    name: 'Drop noisy',
    order: 1,
    criteria: {
      type: 'match-any-condition',
      conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'noise' }],
    },
  }),
  rule({
    id: 'weekend',
    name: 'Weekend',
    order: 3,
    timeRestriction: weekend,
    notify: { type: 'escalation', id: 'weekend' },
  }),
]

const alert = (over: Partial<CriteriaSubject> = {}): CriteriaSubject => ({
  message: 'm',
  priority: 'P3',
  ...over,
})
const MONDAY_10 = at('2026-01-05T10:00')
const MONDAY_20 = at('2026-01-05T20:00')
const SATURDAY_20 = at('2026-01-10T20:00')

describe('routeAlert', () => {
  it('first match by order wins', () => {
    const d = routeAlert(rules, alert({ priority: 'P1', tags: ['noise'] }), MONDAY_10)
    expect(d?.rule.id).toBe('p1')
    expect(d?.notify).toEqual({ type: 'escalation', id: 'critical' })
    expect(d?.reason).toBe("routing rule 'P1 always' matched")
    expect(routeAlert(rules, alert({ tags: ['noise'] }), MONDAY_10)?.notify).toEqual({ type: 'none' })
  })

  it('a time restriction is read in the rule time zone', () => {
    expect(routeAlert(rules, alert(), MONDAY_10)?.rule.id).toBe('office')
    // 09:30 in Berlin is 08:30 UTC: inside office hours only if the zone is honoured.
    expect(routeAlert(rules, alert(), Date.UTC(2026, 0, 5, 8, 30))?.rule.id).toBe('office')
    expect(routeAlert(rules, alert(), Date.UTC(2026, 0, 5, 7, 59))?.rule.id).toBe('default')
    expect(routeAlert(rules, alert(), SATURDAY_20)?.rule.id).toBe('weekend')
  })

  it('falls back to the default rule, with the reason', () => {
    const d = routeAlert(rules, alert(), MONDAY_20)
    expect(d?.rule.id).toBe('default')
    expect(d?.notify).toEqual({ type: 'escalation', id: 'team-default' })
    expect(d?.reason).toBe("no routing rule matched; default rule 'Default'")
  })

  it('returns undefined when nothing matches and there is no default', () => {
    expect(routeAlert(rules.slice(1), alert(), MONDAY_20)).toBeUndefined()
    expect(routeAlert([], alert(), MONDAY_20)).toBeUndefined()
  })

  it('ties in order keep list order; a rule with an unknown zone or invalid criteria is skipped', () => {
    const a = rule({ id: 'a', order: 1, notify: { type: 'schedule', id: 'a' } })
    const b = rule({ id: 'b', order: 1 })
    expect(routeAlert([b, a], alert(), MONDAY_10)?.rule.id).toBe('b')
    const badZone = rule({ id: 'z', timeRestriction: officeHours, timezone: 'Mars/Olympus' })
    const badCriteria = rule({ id: 'c', criteria: { type: 'match-any-condition', conditions: [] } })
    expect(routeAlert([badZone, badCriteria, a], alert(), MONDAY_10)?.rule.id).toBe('a')
  })

  it('property: with no other match the default rule is returned', () => {
    const neverMatching = fc.record({
      id: fc.uuid(),
      order: fc.nat(50),
      value: fc.string({ minLength: 1, maxLength: 5 }),
      restricted: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.array(neverMatching, { maxLength: 8 }),
        fc.nat(8),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (specs, defaultAt, instant) => {
          const list = specs.map((s) =>
            rule({
              id: s.id,
              order: s.order,
              // The alert has no tags, so "tags contains x" never holds.
              criteria: {
                type: 'match-all-conditions',
                conditions: [{ field: 'tags', operation: 'contains', expectedValue: s.value }],
              },
              ...(s.restricted ? { timeRestriction: officeHours } : {}),
              notify: { type: 'escalation', id: s.id },
            }),
          )
          const fallback = rule({
            id: 'fallback',
            order: 99,
            isDefault: true,
            notify: { type: 'escalation', id: 'd' },
          })
          list.splice(Math.min(defaultAt, list.length), 0, fallback)
          expect(routeAlert(list, alert(), instant)?.rule.id).toBe('fallback')
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('validateRoutingRules', () => {
  it('accepts the example rules', () => {
    expect(validateRoutingRules(rules)).toEqual({})
  })

  it('reports per rule and per field, nested criteria included', () => {
    const errors = validateRoutingRules([
      {
        ...rules[1],
        criteria: {
          type: 'match-all-conditions',
          conditions: [{ field: 'tags', operation: 'equals', expectedValue: 'x' }],
        },
      },
      { ...rules[2], timezone: 'Mars/Olympus', notify: { type: 'escalation' } },
      {
        ...rules[0],
        timeRestriction: officeHours,
        criteria: { type: 'match-any-condition', conditions: [{ field: 'tags', operation: 'is-empty' }] },
      },
      { ...rules[0], id: 'default2' },
      { ...rules[3], id: 'p1', order: -1 },
    ])
    expect(errors).toEqual({
      '[0].criteria.conditions[0].operation':
        "'equals' cannot be used with tags; use contains, is-empty or matches",
      '[1].notify': 'must be {type: "escalation" | "schedule", id} or {type: "none"}',
      '[1].timezone': "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin",
      '[2].timeRestriction': 'the default rule applies at all times',
      '[2].criteria.type': 'the default rule matches every alert: use match-all',
      '[3].isDefault': 'only one rule may be the default',
      '[4].order': 'must be at least 0',
      '[4].id': 'duplicate rule id',
    })
  })

  it('needs an array', () => {
    expect(validateRoutingRules({})).toEqual({ '(rules)': 'must be an array of routing rules' })
  })
})
