import { Kind, type TSchema } from '@sinclair/typebox'
import type { TypeCheck } from '@sinclair/typebox/compiler'
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors'

/*
 * Turns TypeBox's errors into Opsgenie-style per-field messages keyed by a readable path, e.g.
 * `{"alerts[2].fingerprint": "required"}`, instead of TypeBox's JSON-pointer paths and generic wording.
 */

// Stop after this many errors: a hostile payload must not make the answer (or the work) large.
const MAX_ERRORS = 50

/** A JSON-pointer error path as a readable field path: `/alerts/2/labels/a~1b` → `alerts[2].labels["a/b"]`. */
export function fieldPath(pointer: string): string {
  if (pointer === '') return ''
  let out = ''
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^(?:0|[1-9]\d*)$/.test(token)) out += `[${token}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(token)) out += out === '' ? token : `.${token}`
    else out += `[${JSON.stringify(token)}]`
  }
  return out
}

/** Joins a prefix path and a field: `prefixed('[3]', 'alias')` → `[3].alias`. */
export function prefixed(prefix: string, field: string): string {
  if (prefix === '') return field
  if (field === '' || field.startsWith('[')) return prefix + field
  return `${prefix}.${field}`
}

/** A short English description of what a schema accepts, for "must be …" messages. */
export function describeSchema(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'String':
      return 'a string'
    case 'Number':
      return 'a number'
    case 'Integer':
      return 'an integer'
    case 'Boolean':
      return 'a boolean'
    case 'Null':
      return 'null'
    case 'Array':
      return 'an array'
    case 'Literal':
      return JSON.stringify(schema.const)
    case 'Record': {
      const values = Object.values(schema.patternProperties ?? {})[0] as TSchema | undefined
      return values?.[Kind] === 'String' ? 'an object of strings' : 'an object'
    }
    case 'Object':
      return 'an object'
    case 'Union':
      return (schema.anyOf as TSchema[]).map(describeSchema).join(' or ')
    default:
      return 'valid'
  }
}

/** One readable message for a TypeBox validation error, shared by every per-field error map in core. */
export function schemaErrorMessage(e: ValueError): string {
  // A schema can carry its own wording (e.g. the JSON pointer pattern), which beats any generic text.
  if (typeof e.schema.errorMessage === 'string' && e.type !== ValueErrorType.ObjectRequiredProperty) {
    return e.schema.errorMessage
  }
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'required'
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown property'
    case ValueErrorType.StringMinLength:
      return e.schema.minLength === 1
        ? 'must not be empty'
        : `must be at least ${e.schema.minLength} characters`
    case ValueErrorType.StringMaxLength:
      return `must be at most ${e.schema.maxLength} characters`
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${e.schema.minItems} item(s)`
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${e.schema.maxItems} items`
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${e.schema.maxProperties} keys`
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${e.schema.minimum}`
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${e.schema.maximum}`
    case ValueErrorType.StringPattern:
      return 'has an invalid format'
    default:
      return `must be ${describeSchema(e.schema)}`
  }
}

/**
 * Validates `value` and returns per-field messages (empty when valid). Only the first error per field is kept:
 * TypeBox reports a missing property twice ("required", then a type error on `undefined`).
 */
export function schemaErrors<T extends TSchema>(
  check: TypeCheck<T>,
  value: unknown,
  rootName = '(body)',
): Record<string, string> {
  const errors: Record<string, string> = {}
  if (check.Check(value)) return errors
  let count = 0
  for (const e of check.Errors(value)) {
    const key = fieldPath(e.path) || rootName
    if (Object.hasOwn(errors, key)) continue
    Object.defineProperty(errors, key, { value: schemaErrorMessage(e), enumerable: true, writable: true })
    if (++count === MAX_ERRORS) break
  }
  return errors
}
