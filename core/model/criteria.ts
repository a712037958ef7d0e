import { type Static, Type } from '@sinclair/typebox'

/*
 * Opsgenie's filter grammar (notes/opsgenie-api.md §6), shared by routing rules, alert policies and
 * notification rules. The schema checks shape only; which operation suits which field, and whether a
 * `matches` pattern is safe to run, is checked by `validateCriteria` (core/criteria/validate.ts) so the
 * messages can name the field ("'equals' cannot be used with tags").
 */

/** How conditions combine: everything, any one of them, or all of them. */
export const CRITERIA_TYPES = ['match-all', 'match-any-condition', 'match-all-conditions'] as const
export type CriteriaType = (typeof CRITERIA_TYPES)[number]

/** Alert fields a condition can test. `recipients` is Opsgenie's older name for `responders`. */
export const CONDITION_FIELDS = [
  'message',
  'alias',
  'description',
  'source',
  'entity',
  'tags',
  'actions',
  'details',
  'extra-properties',
  'recipients',
  'responders',
  'teams',
  'priority',
] as const
export type ConditionField = (typeof CONDITION_FIELDS)[number]

/** Every operation Opsgenie's filters know. */
export const CONDITION_OPERATIONS = [
  'matches',
  'contains',
  'starts-with',
  'ends-with',
  'equals',
  'equals-ignore-whitespace',
  'contains-key',
  'contains-value',
  'greater-than',
  'less-than',
  'is-empty',
] as const
export type ConditionOperation = (typeof CONDITION_OPERATIONS)[number]

const TEXT_OPERATIONS = [
  'matches',
  'contains',
  'starts-with',
  'ends-with',
  'equals',
  'equals-ignore-whitespace',
  'is-empty',
] as const satisfies readonly ConditionOperation[]
const LIST_OPERATIONS = ['contains', 'is-empty', 'matches'] as const satisfies readonly ConditionOperation[]
const MAP_OPERATIONS = [
  'contains',
  'contains-key',
  'contains-value',
  'is-empty',
] as const satisfies readonly ConditionOperation[]
const PRIORITY_OPERATIONS = [
  'equals',
  'greater-than',
  'less-than',
] as const satisfies readonly ConditionOperation[]

/**
 * Operations each field accepts, after the Go SDK's per-field lists (notes §6). A details or
 * extra-properties condition *with* a `key` tests that one value as text: see KEYED_OPERATIONS.
 */
export const FIELD_OPERATIONS: Readonly<Record<ConditionField, readonly ConditionOperation[]>> = {
  message: TEXT_OPERATIONS,
  alias: TEXT_OPERATIONS,
  description: TEXT_OPERATIONS,
  source: TEXT_OPERATIONS,
  entity: TEXT_OPERATIONS,
  tags: LIST_OPERATIONS,
  actions: LIST_OPERATIONS,
  recipients: LIST_OPERATIONS,
  responders: LIST_OPERATIONS,
  teams: LIST_OPERATIONS,
  details: MAP_OPERATIONS,
  'extra-properties': MAP_OPERATIONS,
  priority: PRIORITY_OPERATIONS,
}

/** Operations for a details/extra-properties condition that names a `key`: the value is tested as text. */
export const KEYED_OPERATIONS: readonly ConditionOperation[] = TEXT_OPERATIONS

/** Fields that take a `key`. */
export const KEYED_FIELDS: readonly ConditionField[] = ['details', 'extra-properties']

/** Size limits for criteria, so one filter cannot make matching (or the stored document) large. */
export const CRITERIA_LIMITS = { conditions: 50, expectedValue: 1000, key: 512 } as const

/** One test of one alert field; `not` negates its result. `order` is kept for display only. */
export const Condition = Type.Object(
  {
    field: Type.Union(CONDITION_FIELDS.map((f) => Type.Literal(f))),
    key: Type.Optional(Type.String({ maxLength: CRITERIA_LIMITS.key })),
    not: Type.Optional(Type.Boolean()),
    operation: Type.Union(CONDITION_OPERATIONS.map((o) => Type.Literal(o))),
    expectedValue: Type.Optional(Type.String({ maxLength: CRITERIA_LIMITS.expectedValue })),
    order: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
)
export type Condition = Static<typeof Condition>

/** Opsgenie's `criteria`/`filter` object: a match type and its conditions. */
export const Criteria = Type.Object(
  {
    type: Type.Union(CRITERIA_TYPES.map((t) => Type.Literal(t))),
    conditions: Type.Optional(Type.Array(Condition, { maxItems: CRITERIA_LIMITS.conditions })),
  },
  { additionalProperties: false },
)
export type Criteria = Static<typeof Criteria>

/** The criteria every alert matches (Opsgenie's default for routing rules and policies). */
export const MATCH_ALL: Criteria = { type: 'match-all' }
