import { describe, expect, it } from 'vitest'
import { type CriteriaSubject, compileCriteria, matchesCriteria } from '../../core/criteria/evaluate'
import type { Condition, Criteria } from '../../core/model/criteria'

const alert: CriteriaSubject = {
  message: 'Disk full on db-01',
  alias: 'disk-db-01',
  description: 'The disk /var is 98% full\nsecond line',
  source: 'prometheus',
  entity: 'db-01',
  tags: ['prod', 'Severity:Critical'],
  actions: ['restart', 'page'],
  details: { region: 'eu-west-1', Team: 'storage', empty: '' },
  responders: [
    { type: 'team', id: 't1', name: 'Ops' },
    { type: 'user', username: 'ann@example.com' },
  ],
  priority: 'P2',
}

const bare: CriteriaSubject = { message: 'x', priority: 'P3' }

const one = (c: Condition, type: Criteria['type'] = 'match-all-conditions'): Criteria => ({
  type,
  conditions: [c],
})
const test = (c: Omit<Condition, 'operation'> & { operation: Condition['operation'] }, subject = alert) =>
  matchesCriteria(one(c), subject)

describe('criteria: text fields', () => {
  const cases: Array<[Condition['field'], Condition['operation'], string, boolean]> = [
    ['message', 'contains', 'disk FULL', true],
    ['message', 'contains', 'cpu', false],
    ['message', 'starts-with', 'disk', true],
    ['message', 'starts-with', 'full', false],
    ['message', 'ends-with', 'DB-01', true],
    ['message', 'ends-with', 'db', false],
    ['message', 'equals', 'disk full on db-01', true],
    ['message', 'equals', 'Disk full', false],
    ['message', 'equals-ignore-whitespace', ' Disk   fullon\tdb-01 ', true],
    ['message', 'equals-ignore-whitespace', 'Disk full on db-02', false],
    ['message', 'matches', '.*db-\\d+', true],
    ['message', 'matches', 'db-\\d+', false], // whole-value match, as Java's String.matches
    ['message', 'matches', 'disk.*', false], // case-sensitive by default
    ['message', 'matches', '(?i)disk.*', true],
    ['alias', 'equals', 'disk-db-01', true],
    ['alias', 'starts-with', 'cpu', false],
    ['description', 'contains', 'second line', true],
    ['description', 'matches', '.*98%.*', true], // `.` crosses the newline
    ['source', 'equals', 'Prometheus', true],
    ['source', 'ends-with', 'grafana', false],
    ['entity', 'equals', 'db-01', true],
    ['entity', 'contains', 'web', false],
  ]
  it.each(cases)('%s %s %j → %s', (field, operation, expectedValue, result) => {
    expect(test({ field, operation, expectedValue })).toBe(result)
  })

  it('is-empty holds for missing or blank text', () => {
    expect(test({ field: 'alias', operation: 'is-empty' }, bare)).toBe(true)
    expect(test({ field: 'description', operation: 'is-empty' }, { ...bare, description: '  ' })).toBe(true)
    expect(test({ field: 'entity', operation: 'is-empty' })).toBe(false)
  })
})

describe('criteria: list fields', () => {
  it('tags: contains is element equality (case-folded), matches any element, is-empty', () => {
    expect(test({ field: 'tags', operation: 'contains', expectedValue: 'severity:critical' })).toBe(true)
    expect(test({ field: 'tags', operation: 'contains', expectedValue: 'pro' })).toBe(false)
    expect(test({ field: 'tags', operation: 'matches', expectedValue: 'Severity:.*' })).toBe(true)
    expect(test({ field: 'tags', operation: 'is-empty' })).toBe(false)
    expect(test({ field: 'tags', operation: 'is-empty' }, bare)).toBe(true)
  })

  it('actions', () => {
    expect(test({ field: 'actions', operation: 'contains', expectedValue: 'Restart' })).toBe(true)
    expect(test({ field: 'actions', operation: 'matches', expectedValue: 'p.*' })).toBe(true)
    expect(test({ field: 'actions', operation: 'is-empty' }, bare)).toBe(true)
  })

  it('responders and recipients match by id, name or username', () => {
    for (const field of ['responders', 'recipients'] as const) {
      expect(test({ field, operation: 'contains', expectedValue: 'ops' })).toBe(true)
      expect(test({ field, operation: 'contains', expectedValue: 't1' })).toBe(true)
      expect(test({ field, operation: 'contains', expectedValue: 'ann@example.com' })).toBe(true)
      expect(test({ field, operation: 'contains', expectedValue: 'bob' })).toBe(false)
      expect(test({ field, operation: 'matches', expectedValue: '.*@example\\.com' })).toBe(true)
      expect(test({ field, operation: 'is-empty' }, bare)).toBe(true)
    }
  })

  it('teams come from team responders and ownerTeamId, or an explicit list', () => {
    expect(test({ field: 'teams', operation: 'contains', expectedValue: 'Ops' })).toBe(true)
    expect(test({ field: 'teams', operation: 'contains', expectedValue: 'ann@example.com' })).toBe(false)
    expect(
      test(
        { field: 'teams', operation: 'contains', expectedValue: 'owner' },
        { ...bare, ownerTeamId: 'owner' },
      ),
    ).toBe(true)
    expect(
      test({ field: 'teams', operation: 'contains', expectedValue: 'x' }, { ...alert, teams: ['x'] }),
    ).toBe(true)
    expect(
      test({ field: 'teams', operation: 'contains', expectedValue: 'Ops' }, { ...alert, teams: ['x'] }),
    ).toBe(false)
    expect(test({ field: 'teams', operation: 'is-empty' }, bare)).toBe(true)
  })
})

describe('criteria: details and extra-properties', () => {
  it('without a key', () => {
    for (const field of ['details', 'extra-properties'] as const) {
      expect(test({ field, operation: 'contains-key', expectedValue: 'REGION' })).toBe(true)
      expect(test({ field, operation: 'contains-key', expectedValue: 'zone' })).toBe(false)
      expect(test({ field, operation: 'contains-value', expectedValue: 'Storage' })).toBe(true)
      expect(test({ field, operation: 'contains-value', expectedValue: 'eu' })).toBe(false)
      expect(test({ field, operation: 'contains', expectedValue: 'eu-west' })).toBe(true)
      expect(test({ field, operation: 'contains', expectedValue: 'tea' })).toBe(true) // a key
      expect(test({ field, operation: 'is-empty' })).toBe(false)
      expect(test({ field, operation: 'is-empty' }, bare)).toBe(true)
    }
  })

  it('with a key, the value is tested as text; a missing key is empty', () => {
    const keyed = (key: string, operation: Condition['operation'], expectedValue?: string) =>
      test({ field: 'extra-properties', key, operation, expectedValue })
    expect(keyed('region', 'equals', 'EU-WEST-1')).toBe(true)
    expect(keyed('region', 'starts-with', 'eu-')).toBe(true)
    expect(keyed('region', 'ends-with', '-1')).toBe(true)
    expect(keyed('region', 'contains', 'west')).toBe(true)
    expect(keyed('region', 'matches', 'eu-[a-z]+-\\d')).toBe(true)
    expect(keyed('region', 'equals-ignore-whitespace', 'eu - west - 1')).toBe(true)
    expect(keyed('team', 'equals', 'storage')).toBe(true) // case-insensitive key fallback
    expect(keyed('empty', 'is-empty')).toBe(true)
    expect(keyed('missing', 'is-empty')).toBe(true)
    expect(keyed('missing', 'contains', 'x')).toBe(false)
    expect(keyed('region', 'is-empty')).toBe(false)
  })
})

describe('criteria: priority', () => {
  const p = (operation: Condition['operation'], expectedValue: string, priority: string) =>
    test({ field: 'priority', operation, expectedValue }, { ...bare, priority })

  it('equals', () => {
    expect(p('equals', 'P2', 'P2')).toBe(true)
    expect(p('equals', 'P2', 'P3')).toBe(false)
  })

  it('greater-than means more urgent (P1 is the greatest)', () => {
    expect(['P1', 'P2', 'P3', 'P4', 'P5'].map((x) => p('greater-than', 'P3', x))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ])
  })

  it('less-than means less urgent', () => {
    expect(['P1', 'P2', 'P3', 'P4', 'P5'].map((x) => p('less-than', 'P3', x))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ])
  })

  it('an alert priority outside P1–P5 satisfies no comparison', () => {
    expect(p('greater-than', 'P5', 'urgent')).toBe(false)
    expect(p('less-than', 'P1', 'urgent')).toBe(false)
  })
})

describe('criteria: combination and negation', () => {
  const yes: Condition = { field: 'tags', operation: 'contains', expectedValue: 'prod' }
  const no: Condition = { field: 'tags', operation: 'contains', expectedValue: 'staging' }

  it('match-all matches everything and ignores conditions', () => {
    expect(matchesCriteria({ type: 'match-all' }, bare)).toBe(true)
    expect(matchesCriteria({ type: 'match-all', conditions: [no] }, alert)).toBe(true)
  })

  it('match-any-condition and match-all-conditions', () => {
    expect(matchesCriteria({ type: 'match-any-condition', conditions: [no, yes] }, alert)).toBe(true)
    expect(matchesCriteria({ type: 'match-all-conditions', conditions: [no, yes] }, alert)).toBe(false)
    expect(matchesCriteria({ type: 'match-all-conditions', conditions: [yes, yes] }, alert)).toBe(true)
  })

  it('not negates one condition', () => {
    expect(test({ ...no, not: true })).toBe(true)
    expect(test({ ...yes, not: true })).toBe(false)
    expect(
      test({
        field: 'extra-properties',
        key: 'missing',
        operation: 'contains',
        expectedValue: 'x',
        not: true,
      }),
    ).toBe(true)
  })

  it('invalid criteria never match, even negated (fail closed)', () => {
    const bad = [
      one({ field: 'tags', operation: 'equals', expectedValue: 'prod' }),
      one({ field: 'message', operation: 'matches', expectedValue: '(a+)+', not: true }),
      one({ field: 'priority', operation: 'equals', expectedValue: 'P9', not: true }),
      { type: 'match-any-condition', conditions: [] } as Criteria,
    ]
    for (const c of bad) expect(matchesCriteria(c, alert)).toBe(false)
  })

  it('compiles each criteria object once', () => {
    const c = one(yes)
    const m = compileCriteria(c)
    expect(m(alert)).toBe(true)
    expect(matchesCriteria(c, alert)).toBe(matchesCriteria(c, alert))
  })
})
