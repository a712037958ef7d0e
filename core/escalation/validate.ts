import { addError, type FieldErrors, joinPath, shapeErrors } from '../criteria/errors'
import { EscalationPolicy, NOTIFY_TYPES } from '../model/escalation'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Validates an escalation policy: shape, a notifyType that suits each recipient kind (schedule:
 * default/next/previous/all; team: all/admins/users; user: default), delays listed in non-decreasing
 * order (so "the next rule" is unambiguous), and a non-zero pass length when the policy repeats (or
 * every repeat would fire at the same instant). Errors are keyed like `rules[1].notifyType`.
 */
export function validateEscalationPolicy(value: unknown, prefix = ''): FieldErrors {
  const errors = shapeErrors(EscalationPolicy, value, prefix)
  if (!isObject(value) || !Array.isArray(value.rules)) return errors
  let previous = -1
  let last = 0
  value.rules.forEach((rule: unknown, i) => {
    if (!isObject(rule)) return
    const at = joinPath(prefix, `rules[${i}]`)
    const kind = isObject(rule.recipient) ? rule.recipient.type : undefined
    const allowed = typeof kind === 'string' ? NOTIFY_TYPES[kind as keyof typeof NOTIFY_TYPES] : undefined
    if (allowed && typeof rule.notifyType === 'string' && !allowed.includes(rule.notifyType)) {
      addError(
        errors,
        joinPath(at, 'notifyType'),
        `a ${kind} recipient takes notifyType ${allowed.join(', ')}`,
      )
    }
    if (typeof rule.delayMinutes === 'number') {
      if (rule.delayMinutes < previous) {
        addError(
          errors,
          joinPath(at, 'delayMinutes'),
          `must be at least the previous rule's delay (${previous})`,
        )
      }
      previous = Math.max(previous, rule.delayMinutes)
      last = Math.max(last, rule.delayMinutes)
    }
  })
  const repeat = value.repeat
  if (isObject(repeat) && typeof repeat.count === 'number' && repeat.count > 0) {
    if (repeat.waitIntervalMinutes === 0 && last === 0) {
      addError(
        errors,
        joinPath(prefix, 'repeat.waitIntervalMinutes'),
        'must be at least 1 when every rule has delay 0 and the policy repeats',
      )
    }
  }
  return errors
}
