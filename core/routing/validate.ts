import type { TSchema } from '@sinclair/typebox'
import { addError, type FieldErrors, joinPath, shapeErrors } from '../criteria/errors'
import { validateCriteria } from '../criteria/validate'
import { AlertPolicy, MAX_ROUTING_RULES, MaintenanceWindow, RoutingRule } from '../model/routing'
import { isValidTimeZone } from '../model/user'
import { parseInstant } from './maintenance'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Shape errors, except inside the criteria subtree, whose messages validateCriteria words better. */
function shapeOutside(schema: TSchema, value: unknown, prefix: string, criteriaKey: string): FieldErrors {
  const sub = joinPath(prefix, criteriaKey)
  const errors: FieldErrors = {}
  for (const [k, m] of Object.entries(shapeErrors(schema, value, prefix))) {
    if (k !== sub && !k.startsWith(`${sub}.`) && !k.startsWith(`${sub}[`)) addError(errors, k, m)
  }
  if (isObject(value) && value[criteriaKey] !== undefined) {
    for (const [k, m] of Object.entries(validateCriteria(value[criteriaKey], sub))) addError(errors, k, m)
  }
  return errors
}

function checkZone(value: Record<string, unknown>, key: string, prefix: string, errors: FieldErrors): void {
  const zone = value[key]
  if (typeof zone === 'string' && zone !== '' && !isValidTimeZone(zone)) {
    addError(
      errors,
      joinPath(prefix, key),
      `unknown time zone '${zone}'; use an IANA name such as Europe/Berlin`,
    )
  }
}

/** Validates one routing rule; errors are keyed under `prefix` (e.g. `criteria.conditions[0].field`). */
export function validateRoutingRule(value: unknown, prefix = ''): FieldErrors {
  const errors = shapeOutside(RoutingRule, value, prefix, 'criteria')
  if (!isObject(value)) return errors
  checkZone(value, 'timezone', prefix, errors)
  if (value.isDefault === true) {
    if (value.timeRestriction !== undefined) {
      addError(errors, joinPath(prefix, 'timeRestriction'), 'the default rule applies at all times')
    }
    if (isObject(value.criteria) && value.criteria.type !== 'match-all') {
      addError(
        errors,
        joinPath(prefix, 'criteria.type'),
        'the default rule matches every alert: use match-all',
      )
    }
  }
  return errors
}

/** Validates a team's whole rule list: each rule (keyed `[i]...`), unique ids, at most one default. */
export function validateRoutingRules(value: unknown): FieldErrors {
  if (!Array.isArray(value)) return { '(rules)': 'must be an array of routing rules' }
  const errors: FieldErrors = {}
  if (value.length > MAX_ROUTING_RULES)
    addError(errors, '(rules)', `at most ${MAX_ROUTING_RULES} rules per team`)
  const ids = new Set<unknown>()
  let defaults = 0
  value.forEach((rule, i) => {
    const at = `[${i}]`
    for (const [k, m] of Object.entries(validateRoutingRule(rule, at))) addError(errors, k, m)
    if (!isObject(rule)) return
    if (ids.has(rule.id)) addError(errors, `${at}.id`, 'duplicate rule id')
    ids.add(rule.id)
    if (rule.isDefault === true && ++defaults > 1)
      addError(errors, `${at}.isDefault`, 'only one rule may be the default')
  })
  return errors
}

/** Validates an alert policy: shape, filter (as criteria) and time zone. */
export function validateAlertPolicy(value: unknown, prefix = ''): FieldErrors {
  const errors = shapeOutside(AlertPolicy, value, prefix, 'filter')
  if (isObject(value)) checkZone(value, 'timezone', prefix, errors)
  return errors
}

/** Validates a maintenance window: shape, parsable instants, end after start, a non-empty scope. */
export function validateMaintenanceWindow(value: unknown, prefix = ''): FieldErrors {
  const errors = shapeErrors(MaintenanceWindow, value, prefix)
  if (!isObject(value)) return errors
  const start = typeof value.start === 'string' ? parseInstant(value.start) : Number.NaN
  if (typeof value.start === 'string' && Number.isNaN(start)) {
    addError(errors, joinPath(prefix, 'start'), 'must be an ISO-8601 instant such as 2026-03-01T22:00:00Z')
  }
  if (typeof value.end === 'string') {
    const end = parseInstant(value.end)
    if (Number.isNaN(end)) {
      addError(errors, joinPath(prefix, 'end'), 'must be an ISO-8601 instant such as 2026-03-01T23:00:00Z')
    } else if (!Number.isNaN(start) && end <= start)
      addError(errors, joinPath(prefix, 'end'), 'must be after start')
  }
  const scope = value.scope
  if (isObject(scope)) {
    const n = ['teamIds', 'integrationIds', 'policyIds'].reduce(
      (sum, k) => sum + (Array.isArray(scope[k]) ? (scope[k] as unknown[]).length : 0),
      0,
    )
    if (n === 0)
      addError(errors, joinPath(prefix, 'scope'), 'must name at least one team, integration or policy')
  }
  return errors
}
