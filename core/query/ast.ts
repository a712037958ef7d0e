/**
 * The typed AST of Opsgenie's alert search language (notes/opsgenie-api.md §2.5). Values are validated
 * and normalised at parse time so the compiler never sees a malformed number, boolean or enum.
 */

/** Hard limits: a query is user input that becomes SQL, so its size is bounded up front. */
export const QUERY_LIMITS = { maxLength: 4000, maxTerms: 64, maxDepth: 16 } as const

/** Fields holding epoch milliseconds or counters; the only ones that accept `<`, `<=`, `>`, `>=`. */
export const NUMBER_FIELDS = [
  'createdAt',
  'updatedAt',
  'lastOccurredAt',
  'snoozedUntil',
  'count',
  'tinyId',
] as const
export const BOOLEAN_FIELDS = ['isSeen', 'acknowledged', 'snoozed'] as const
export const TEXT_FIELDS = [
  'alertId',
  'alias',
  'message',
  'description',
  'source',
  'entity',
  'owner',
  'acknowledgedBy',
  'closedBy',
  'teams',
  'integration.name',
  'integration.type',
  'tag',
  'actions',
  'details.key',
  'details.value',
  'recipients',
] as const

export type NumberField = (typeof NUMBER_FIELDS)[number]
export type BooleanField = (typeof BOOLEAN_FIELDS)[number]
export type TextField = (typeof TEXT_FIELDS)[number]
export type FieldName = NumberField | BooleanField | TextField | 'status' | 'priority'

/** Every field in its canonical spelling, for error messages and documentation. */
export const FIELD_NAMES: readonly FieldName[] = [
  ...NUMBER_FIELDS,
  ...BOOLEAN_FIELDS,
  'status',
  'priority',
  ...TEXT_FIELDS,
]

export const STATUSES = ['open', 'closed'] as const
export type StatusValue = (typeof STATUSES)[number]
export const PRIORITY_VALUES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const
export type PriorityValue = (typeof PRIORITY_VALUES)[number]

export type CompareOp = ':' | '<' | '<=' | '>' | '>='

/**
 * Literal runs separated by `*` wildcards: `disk*full` is ['disk', 'full'], `*x` is ['', 'x'], a value
 * without wildcards has exactly one element. Consecutive wildcards collapse, so the form is canonical.
 */
export type Pattern = string[]

export type Term =
  | { kind: 'number'; field: NumberField; op: CompareOp; value: number }
  | { kind: 'boolean'; field: BooleanField; value: boolean }
  | { kind: 'status'; value: StatusValue }
  | { kind: 'priority'; value: PriorityValue }
  | { kind: 'match'; field: TextField; pattern: Pattern }
  /** A bare value with no field: free text. */
  | { kind: 'text'; pattern: Pattern }

export type QueryNode =
  /** The empty query; only ever the root. */
  | { kind: 'all' }
  | { kind: 'and'; items: QueryNode[] }
  | { kind: 'or'; items: QueryNode[] }
  | { kind: 'not'; item: QueryNode }
  | Term

/** A malformed query; `position` is the 0-based offset in the query text where the problem starts. */
export class QuerySyntaxError extends Error {
  readonly position: number
  constructor(message: string, position: number) {
    super(message)
    this.name = 'QuerySyntaxError'
    this.position = position
  }
}

/** True when the pattern contains at least one wildcard. */
export function hasWildcard(pattern: Pattern): boolean {
  return pattern.length > 1
}
