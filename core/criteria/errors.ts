import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { fieldPath, prefixed, schemaErrorMessage } from '../integrations/validate'

/*
 * Per-field validation messages keyed by a readable path (`rules[1].notifyType`), the shape the API's
 * 422 answers and the console's forms use. TypeBox's interpreted checker is used rather than the
 * compiler because this runs in the renderer too, whose CSP forbids `new Function`.
 */

/** Messages keyed by field path; empty when valid. */
export type FieldErrors = Record<string, string>

// A hostile document must not make the answer (or the work) large.
const MAX_ERRORS = 50

/** Records `message` for `key` unless that field already has one (the first problem is the useful one). */
export function addError(errors: FieldErrors, key: string, message: string): void {
  if (Object.hasOwn(errors, key) || Object.keys(errors).length >= MAX_ERRORS) return
  Object.defineProperty(errors, key, { value: message, enumerable: true, writable: true, configurable: true })
}

/** Joins a path prefix and a field: `joinPath('rules[1]', 'delay')` → `rules[1].delay`. */
export function joinPath(prefix: string, field: string): string {
  return prefixed(prefix, field)
}

/** Shape errors of `value` against a TypeBox schema, keyed by readable path under `prefix`. */
export function shapeErrors(schema: TSchema, value: unknown, prefix = '', rootName = '(body)'): FieldErrors {
  const errors: FieldErrors = {}
  if (Value.Check(schema, value)) return errors
  for (const e of Value.Errors(schema, value)) {
    const path = fieldPath(e.path)
    addError(errors, path ? joinPath(prefix, path) : prefix || rootName, schemaErrorMessage(e))
    if (Object.keys(errors).length >= MAX_ERRORS) break
  }
  return errors
}
