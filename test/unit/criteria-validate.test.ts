import { Value } from '@sinclair/typebox/value'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type CriteriaSubject, matchesCriteria } from '../../core/criteria/evaluate'
import { validateCriteria } from '../../core/criteria/validate'
import {
  CONDITION_FIELDS,
  CONDITION_OPERATIONS,
  type Condition,
  CRITERIA_TYPES,
  Criteria,
  FIELD_OPERATIONS,
} from '../../core/model/criteria'

describe('validateCriteria', () => {
  it('accepts valid criteria', () => {
    expect(validateCriteria({ type: 'match-all' })).toEqual({})
    expect(
      validateCriteria({
        type: 'match-any-condition',
        conditions: [
          { field: 'priority', operation: 'greater-than', expectedValue: 'P3', order: 0 },
          { field: 'tags', operation: 'is-empty', not: true },
          { field: 'details', key: 'region', operation: 'starts-with', expectedValue: 'eu' },
          { field: 'message', operation: 'matches', expectedValue: '.*disk.*' },
        ],
      }),
    ).toEqual({})
  })

  it('keys errors by condition and field, and names the allowed operations', () => {
    const errors = validateCriteria({
      type: 'match-all-conditions',
      conditions: [
        { field: 'message', operation: 'contains', expectedValue: 'ok' },
        { field: 'tags', operation: 'equals', expectedValue: 'prod' },
        { field: 'priority', operation: 'contains', expectedValue: 'P1' },
        { field: 'priority', operation: 'equals', expectedValue: 'high' },
        { field: 'message', operation: 'contains-key', expectedValue: 'x' },
        { field: 'message', operation: 'matches', expectedValue: '(a+)+' },
        { field: 'source', operation: 'equals' },
        { field: 'alias', key: 'k', operation: 'equals', expectedValue: 'x' },
        { field: 'details', key: 'k', operation: 'contains-key', expectedValue: 'x' },
        { field: 'severity', operation: 'nope', extra: 1 },
      ],
    })
    expect(errors).toEqual({
      'conditions[1].operation': "'equals' cannot be used with tags; use contains, is-empty or matches",
      'conditions[2].operation':
        "'contains' cannot be used with priority; use equals, greater-than or less-than",
      'conditions[3].expectedValue': 'must be one of P1, P2, P3, P4 or P5',
      'conditions[4].operation': expect.stringContaining("'contains-key' cannot be used with message"),
      'conditions[5].expectedValue': expect.stringContaining('repeated group'),
      'conditions[6].expectedValue': "required for 'equals'",
      'conditions[7].key': 'only details or extra-properties conditions take a key',
      'conditions[8].operation': expect.stringContaining(
        "'contains-key' cannot be used with details with a key",
      ),
      'conditions[9].extra': 'unknown property',
      'conditions[9].field': expect.stringContaining('must be one of message, alias'),
      'conditions[9].operation': expect.stringContaining('must be one of matches, contains'),
    })
  })

  it('checks the outer object', () => {
    expect(validateCriteria(null)).toEqual({ '(criteria)': 'must be an object with a type' })
    expect(validateCriteria({ type: 'some', x: 1 })).toEqual({
      type: 'must be one of match-all, match-any-condition or match-all-conditions',
      x: 'unknown property',
    })
    expect(validateCriteria({ type: 'match-all-conditions' })).toEqual({
      conditions: 'match-all-conditions needs at least one condition (use match-all to match every alert)',
    })
    expect(validateCriteria({ type: 'match-all', conditions: 'x' })).toEqual({
      conditions: 'must be an array',
    })
    expect(validateCriteria({ type: 'match-all' }, 'rules[2].criteria')).toEqual({})
    expect(validateCriteria({}, 'rules[2].criteria')).toEqual({ 'rules[2].criteria.type': 'required' })
  })

  it('limits sizes', () => {
    const many = Array.from({ length: 51 }, () => ({ field: 'tags', operation: 'is-empty' }))
    expect(validateCriteria({ type: 'match-any-condition', conditions: many })).toEqual({
      conditions: 'must have at most 50 conditions',
    })
    const long = { field: 'message', operation: 'contains', expectedValue: 'x'.repeat(1001) }
    expect(validateCriteria({ type: 'match-any-condition', conditions: [long] })).toEqual({
      'conditions[0].expectedValue': 'must be at most 1000 characters',
    })
  })
})

// Arbitrary conditions over every field/operation pair, valid or not, with values that sometimes fit.
const condition: fc.Arbitrary<Condition> = fc.record(
  {
    field: fc.constantFrom(...CONDITION_FIELDS),
    operation: fc.constantFrom(...CONDITION_OPERATIONS),
    key: fc.constantFrom('region', 'Team', 'missing'),
    not: fc.boolean(),
    expectedValue: fc.oneof(
      fc.constantFrom('P1', 'P3', 'P5', 'prod', 'ops', 'eu-west-1', '.*db.*', 'Disk', '', 'storage'),
      fc.string({ maxLength: 6 }),
    ),
  },
  { requiredKeys: ['field', 'operation'] },
)

const subject: fc.Arbitrary<CriteriaSubject> = fc.record({
  message: fc.constantFrom('Disk full on db-01', '', 'prod down'),
  alias: fc.option(fc.constantFrom('a', 'db'), { nil: undefined }),
  description: fc.string({ maxLength: 8 }),
  tags: fc.array(fc.constantFrom('prod', 'Ops', 'x'), { maxLength: 3 }),
  actions: fc.array(fc.constantFrom('restart', 'page'), { maxLength: 2 }),
  details: fc.dictionary(fc.constantFrom('region', 'team', 'k'), fc.constantFrom('eu-west-1', 'storage', '')),
  responders: fc.array(
    fc.record({
      type: fc.constantFrom('team', 'user'),
      id: fc.constantFrom('t1', 'u1'),
      name: fc.constantFrom('ops', 'ann'),
    }),
    { maxLength: 2 },
  ),
  priority: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5'),
})

describe('criteria properties', () => {
  it('not is exact negation of a valid condition', () => {
    fc.assert(
      fc.property(condition, subject, (c, s) => {
        const plain = { ...c, not: false }
        const criteria: Criteria = { type: 'match-all-conditions', conditions: [plain] }
        fc.pre(Object.keys(validateCriteria(criteria)).length === 0)
        const negated: Criteria = { type: 'match-all-conditions', conditions: [{ ...c, not: true }] }
        expect(matchesCriteria(negated, s)).toBe(!matchesCriteria(criteria, s))
      }),
      { numRuns: 3000 },
    )
  })

  it('whatever validateCriteria accepts, the TypeBox schema accepts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CRITERIA_TYPES),
        fc.array(condition, { maxLength: 4 }),
        (type, conditions) => {
          const c = { type, conditions }
          if (Object.keys(validateCriteria(c)).length === 0) expect(Value.Check(Criteria, c)).toBe(true)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('every field accepts exactly its listed operations', () => {
    for (const field of CONDITION_FIELDS) {
      for (const operation of CONDITION_OPERATIONS) {
        const expectedValue = field === 'priority' ? 'P2' : 'x'
        const errors = validateCriteria({
          type: 'match-any-condition',
          conditions: [{ field, operation, expectedValue }],
        })
        expect(errors['conditions[0].operation'] === undefined, `${field} ${operation}`).toBe(
          FIELD_OPERATIONS[field].includes(operation),
        )
      }
    }
  })

  it('any-of is the negation of all-of the negations (De Morgan)', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 3 }), subject, (cs, s) => {
        const any: Criteria = { type: 'match-any-condition', conditions: cs }
        fc.pre(Object.keys(validateCriteria(any)).length === 0)
        const none: Criteria = {
          type: 'match-all-conditions',
          conditions: cs.map((c) => ({ ...c, not: !c.not })),
        }
        expect(matchesCriteria(any, s)).toBe(!matchesCriteria(none, s))
      }),
      { numRuns: 1000 },
    )
  })
})
