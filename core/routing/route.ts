import { type CriteriaSubject, matchesCriteria } from '../criteria/evaluate'
import type { RoutingNotify, RoutingRule } from '../model/routing'
import type { TimeRestriction } from '../model/time-restriction'
import { isWithinRestriction } from '../time/restrictions'

/** The routing rule an alert took, what it says to do, and why (for the alert log). */
export interface RouteDecision {
  rule: RoutingRule
  notify: RoutingNotify
  /** e.g. `routing rule 'P1 at night' matched` or `no routing rule matched; default rule 'Default'`. */
  reason: string
}

/** True when the instant lies in the restriction; an unknown zone fails closed (the rule is skipped). */
export function withinRestriction(r: TimeRestriction | undefined, zone: string, instant: number): boolean {
  if (!r) return true
  try {
    return isWithinRestriction(r, zone, instant)
  } catch {
    return false
  }
}

/** Rules in evaluation order: non-default rules by `order` (ties keep list order), the default last. */
export function orderRoutingRules(rules: readonly RoutingRule[]): RoutingRule[] {
  const indexed = rules.map((rule, i) => ({ rule, i }))
  const regular = indexed
    .filter((x) => !x.rule.isDefault)
    .sort((a, b) => a.rule.order - b.rule.order || a.i - b.i)
  const fallback = indexed.filter((x) => x.rule.isDefault)
  return [...regular, ...fallback].map((x) => x.rule)
}

/**
 * Picks the team routing rule for an alert at `instant` (epoch ms): the first non-default rule, by
 * `order`, whose criteria match and whose time restriction (read in the rule's timezone) contains the
 * instant; otherwise the default rule, which always matches (its criteria and restriction are not
 * consulted, as Opsgenie's default rule has none). Undefined only when no rule matches and the team
 * has no default rule. With several default rules (invalid; see validateRoutingRules) the first wins.
 */
export function routeAlert(
  rules: readonly RoutingRule[],
  alert: CriteriaSubject,
  instant: number,
): RouteDecision | undefined {
  for (const rule of orderRoutingRules(rules)) {
    if (rule.isDefault) {
      return { rule, notify: rule.notify, reason: `no routing rule matched; default rule '${rule.name}'` }
    }
    if (!withinRestriction(rule.timeRestriction, rule.timezone, instant)) continue
    if (!matchesCriteria(rule.criteria, alert)) continue
    return { rule, notify: rule.notify, reason: `routing rule '${rule.name}' matched` }
  }
  return undefined
}
