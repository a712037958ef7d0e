import { PRIORITIES } from '../model/alert'
import {
  CONDITION_FIELDS,
  CONDITION_OPERATIONS,
  type ConditionField,
  type ConditionOperation,
  CRITERIA_LIMITS,
  CRITERIA_TYPES,
  FIELD_OPERATIONS,
  KEYED_FIELDS,
  KEYED_OPERATIONS,
} from '../model/criteria'
import { addError, type FieldErrors, joinPath } from './errors'
import { safePattern } from './regex'

/*
 * Hand-written rather than schema-driven so every message names the field and the fix, e.g.
 * `conditions[2].operation: 'equals' cannot be used with tags; use contains, is-empty or matches`.
 * Anything this accepts also passes the TypeBox `Criteria` schema (a property test holds it to that).
 */

const CONDITION_KEYS = new Set(['field', 'key', 'not', 'operation', 'expectedValue', 'order'])

const oneOf = (xs: readonly string[]) =>
  xs.length === 1 ? (xs[0] as string) : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function validateCondition(c: unknown, at: string, errors: FieldErrors): void {
  if (!isObject(c)) {
    addError(errors, at, 'must be an object')
    return
  }
  for (const k of Object.keys(c))
    if (!CONDITION_KEYS.has(k)) addError(errors, joinPath(at, k), 'unknown property')

  const field = c.field
  const knownField = typeof field === 'string' && (CONDITION_FIELDS as readonly string[]).includes(field)
  if (field === undefined) addError(errors, joinPath(at, 'field'), 'required')
  else if (!knownField) addError(errors, joinPath(at, 'field'), `must be one of ${oneOf(CONDITION_FIELDS)}`)

  const op = c.operation
  const knownOp = typeof op === 'string' && (CONDITION_OPERATIONS as readonly string[]).includes(op)
  if (op === undefined) addError(errors, joinPath(at, 'operation'), 'required')
  else if (!knownOp)
    addError(errors, joinPath(at, 'operation'), `must be one of ${oneOf(CONDITION_OPERATIONS)}`)

  const key = c.key
  if (key !== undefined && typeof key !== 'string') addError(errors, joinPath(at, 'key'), 'must be a string')
  else if (typeof key === 'string' && key.length > CRITERIA_LIMITS.key) {
    addError(errors, joinPath(at, 'key'), `must be at most ${CRITERIA_LIMITS.key} characters`)
  }
  if (c.not !== undefined && typeof c.not !== 'boolean')
    addError(errors, joinPath(at, 'not'), 'must be a boolean')
  if (c.order !== undefined && !(Number.isInteger(c.order) && (c.order as number) >= 0)) {
    addError(errors, joinPath(at, 'order'), 'must be a non-negative integer')
  }
  const expected = c.expectedValue
  if (expected !== undefined && typeof expected !== 'string') {
    addError(errors, joinPath(at, 'expectedValue'), 'must be a string')
  } else if (typeof expected === 'string' && expected.length > CRITERIA_LIMITS.expectedValue) {
    addError(
      errors,
      joinPath(at, 'expectedValue'),
      `must be at most ${CRITERIA_LIMITS.expectedValue} characters`,
    )
  }
  if (!knownField || !knownOp) return

  const f = field as ConditionField
  const o = op as ConditionOperation
  const keyed = typeof key === 'string' && key !== ''
  if (key !== undefined && !KEYED_FIELDS.includes(f)) {
    addError(errors, joinPath(at, 'key'), `only ${oneOf(KEYED_FIELDS)} conditions take a key`)
  }
  const allowed = keyed && KEYED_FIELDS.includes(f) ? KEYED_OPERATIONS : FIELD_OPERATIONS[f]
  if (!allowed.includes(o)) {
    const what = keyed ? `${f} with a key` : f
    addError(errors, joinPath(at, 'operation'), `'${o}' cannot be used with ${what}; use ${oneOf(allowed)}`)
    return
  }
  if (o === 'is-empty') return
  const value = typeof expected === 'string' ? expected : ''
  const valueAt = joinPath(at, 'expectedValue')
  if (value === '') {
    addError(errors, valueAt, `required for '${o}'`)
    return
  }
  if (f === 'priority' && !(PRIORITIES as readonly string[]).includes(value)) {
    addError(errors, valueAt, `must be one of ${oneOf(PRIORITIES)}`)
  }
  if (o === 'matches') {
    const p = safePattern(value)
    if (!p.ok) addError(errors, valueAt, p.error)
  }
}

/**
 * Checks criteria shape and meaning: known type, fields and operations, the operation allowed for the
 * field, required values, priorities P1–P5, and `matches` patterns that are valid and safe to run.
 * Errors are keyed under `prefix`, e.g. `conditions[2].operation`.
 */
export function validateCriteria(value: unknown, prefix = ''): FieldErrors {
  const errors: FieldErrors = {}
  if (!isObject(value)) {
    addError(errors, prefix || '(criteria)', 'must be an object with a type')
    return errors
  }
  for (const k of Object.keys(value)) {
    if (k !== 'type' && k !== 'conditions') addError(errors, joinPath(prefix, k), 'unknown property')
  }
  const type = value.type
  const typeAt = joinPath(prefix, 'type')
  if (type === undefined) addError(errors, typeAt, 'required')
  else if (typeof type !== 'string' || !(CRITERIA_TYPES as readonly string[]).includes(type)) {
    addError(errors, typeAt, `must be one of ${oneOf(CRITERIA_TYPES)}`)
  }
  const conditions = value.conditions
  const listAt = joinPath(prefix, 'conditions')
  if (conditions !== undefined && !Array.isArray(conditions)) {
    addError(errors, listAt, 'must be an array')
    return errors
  }
  const list = conditions ?? []
  if (list.length > CRITERIA_LIMITS.conditions) {
    addError(errors, listAt, `must have at most ${CRITERIA_LIMITS.conditions} conditions`)
    return errors
  }
  if ((type === 'match-any-condition' || type === 'match-all-conditions') && list.length === 0) {
    addError(errors, listAt, `${type} needs at least one condition (use match-all to match every alert)`)
  }
  list.forEach((c, i) => {
    validateCondition(c, joinPath(listAt, `[${i}]`), errors)
  })
  return errors
}
