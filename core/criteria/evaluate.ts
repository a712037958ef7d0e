import { PRIORITIES } from '../model/alert'
import type { Condition, ConditionField, Criteria } from '../model/criteria'
import type { Recipient } from '../model/recipient'
import { fullMatch, safePattern } from './regex'
import { validateCriteria } from './validate'

/*
 * Evaluation rules (Opsgenie does not document them precisely; these are Vigil's, chosen to be predictable):
 *
 * - Text comparisons (contains, starts-with, ends-with, equals, contains-key, contains-value) ignore case,
 *   as Vigil's alert search does; `equals-ignore-whitespace` also ignores every whitespace character.
 *   `matches` is case-sensitive unless the pattern starts with `(?i)` (see regex.ts), and must match the
 *   whole value.
 * - List fields (tags, actions, responders/recipients, teams): `contains` means one element equals the
 *   value; `matches` means one element matches the pattern; `is-empty` means no elements. A responder is
 *   known by its id, name and username, a team by its id and name.
 * - details / extra-properties without a key: `contains` = some key or value contains the text,
 *   `contains-key` / `contains-value` = some key / value equals it, `is-empty` = no entries. With a key,
 *   that one value is tested as text (exact key first, else a case-insensitive match); a missing key is
 *   empty, so only `is-empty` holds for it.
 * - priority: P1 is the most urgent. "greater-than P3" means *more urgent* than P3 (P1, P2) and
 *   "less-than P3" means less urgent (P4, P5). Opsgenie ranks importance this way ("importance level
 *   decreases from P1 to P5", docs.opsgenie.com/docs/priority-field; a priority change "higher than the
 *   previous" restarts notifications, support.atlassian.com "What are alert priorities?").
 * - `not` negates the condition's result exactly.
 * - Criteria that fail validation never match (fail closed): a broken routing rule falls through to the
 *   next one instead of swallowing every alert. validateCriteria says what is wrong.
 * - An empty condition list: match-all-conditions is vacuously true, match-any-condition false
 *   (validation rejects both).
 */

/** What criteria look at: satisfied by both the stored Alert and a NormalizedAlert. */
export interface CriteriaSubject {
  message: string
  alias?: string
  description?: string
  source?: string
  entity?: string
  tags?: readonly string[]
  actions?: readonly string[]
  details?: Readonly<Record<string, string>>
  responders?: readonly Recipient[]
  /** Team ids/names the alert belongs to; when absent, derived from team responders and ownerTeamId. */
  teams?: readonly string[]
  ownerTeamId?: string
  priority: string
}

/** A compiled criteria predicate. */
export type CriteriaMatcher = (subject: CriteriaSubject) => boolean

type Test = (value: string) => boolean

const fold = (s: string) => s.toLowerCase()
const squeeze = (s: string) => s.replace(/\s+/g, '').toLowerCase()

function priorityRank(p: string): number {
  const i = (PRIORITIES as readonly string[]).indexOf(p.trim().toUpperCase())
  return i < 0 ? Number.NaN : i + 1
}

/** A test of one text value for a text operation; `matches` uses the vetted, cached pattern. */
function textTest(operation: Condition['operation'], expected: string): Test {
  const e = fold(expected)
  switch (operation) {
    case 'contains':
      return (v) => fold(v).includes(e)
    case 'starts-with':
      return (v) => fold(v).startsWith(e)
    case 'ends-with':
      return (v) => fold(v).endsWith(e)
    case 'equals':
      return (v) => fold(v) === e
    case 'equals-ignore-whitespace': {
      const s = squeeze(expected)
      return (v) => squeeze(v) === s
    }
    case 'is-empty':
      return (v) => v.trim() === ''
    case 'matches': {
      const p = safePattern(expected)
      return p.ok ? (v) => fullMatch(p, v) : () => false
    }
    default:
      return () => false
  }
}

function recipientNames(r: Recipient): string[] {
  return [r.id, r.name, r.username].filter((x): x is string => typeof x === 'string' && x !== '')
}

function teamNames(s: CriteriaSubject): string[] {
  if (s.teams) return [...s.teams]
  const out = (s.responders ?? []).filter((r) => r.type.toLowerCase() === 'team').flatMap(recipientNames)
  if (s.ownerTeamId) out.push(s.ownerTeamId)
  return out
}

/** The element lists a list-field condition looks at (each element may have several names). */
function listOf(field: ConditionField, s: CriteriaSubject): string[][] {
  switch (field) {
    case 'tags':
      return (s.tags ?? []).map((t) => [t])
    case 'actions':
      return (s.actions ?? []).map((a) => [a])
    case 'teams':
      return teamNames(s).map((t) => [t])
    default:
      return (s.responders ?? []).map(recipientNames)
  }
}

function textOf(field: ConditionField, s: CriteriaSubject): string {
  switch (field) {
    case 'message':
      return s.message
    case 'alias':
      return s.alias ?? ''
    case 'description':
      return s.description ?? ''
    case 'source':
      return s.source ?? ''
    default:
      return s.entity ?? ''
  }
}

function keyedValue(details: Readonly<Record<string, string>>, key: string): string | undefined {
  if (Object.hasOwn(details, key)) return details[key]
  const k = fold(key)
  for (const [name, value] of Object.entries(details)) if (fold(name) === k) return value
  return undefined
}

/** The raw (un-negated) predicate for one valid condition. */
function conditionTest(c: Condition): CriteriaMatcher {
  const expected = c.expectedValue ?? ''
  const op = c.operation
  switch (c.field) {
    case 'priority': {
      const want = priorityRank(expected)
      if (op === 'equals') return (s) => priorityRank(s.priority) === want
      // Lower rank = more urgent, so "greater" (more urgent) is a smaller rank.
      if (op === 'greater-than') return (s) => priorityRank(s.priority) < want
      return (s) => priorityRank(s.priority) > want
    }
    case 'details':
    case 'extra-properties': {
      if (c.key !== undefined) {
        const key = c.key
        const test = textTest(op, expected)
        return (s) => {
          const v = keyedValue(s.details ?? {}, key)
          return v === undefined ? op === 'is-empty' : test(v)
        }
      }
      const e = fold(expected)
      if (op === 'is-empty') return (s) => Object.keys(s.details ?? {}).length === 0
      if (op === 'contains-key') return (s) => Object.keys(s.details ?? {}).some((k) => fold(k) === e)
      if (op === 'contains-value') return (s) => Object.values(s.details ?? {}).some((v) => fold(v) === e)
      return (s) =>
        Object.entries(s.details ?? {}).some(([k, v]) => fold(k).includes(e) || fold(v).includes(e))
    }
    case 'tags':
    case 'actions':
    case 'teams':
    case 'recipients':
    case 'responders': {
      const field = c.field
      if (op === 'is-empty') return (s) => listOf(field, s).length === 0
      const test = op === 'matches' ? textTest('matches', expected) : textTest('equals', expected)
      return (s) => listOf(field, s).some((names) => names.some(test))
    }
    default: {
      const field = c.field
      const test = textTest(op, expected)
      return (s) => test(textOf(field, s))
    }
  }
}

/** Compiles criteria once into a predicate; criteria that fail validateCriteria never match. */
export function compileCriteria(criteria: Criteria): CriteriaMatcher {
  if (Object.keys(validateCriteria(criteria)).length > 0) return () => false
  if (criteria.type === 'match-all') return () => true
  const tests = (criteria.conditions ?? []).map((c) => {
    const raw = conditionTest(c)
    return c.not ? (s: CriteriaSubject) => !raw(s) : raw
  })
  return criteria.type === 'match-any-condition'
    ? (s) => tests.some((t) => t(s))
    : (s) => tests.every((t) => t(s))
}

// Rules and policies are usually held in memory between alerts: compile each criteria object once.
const compiled = new WeakMap<Criteria, CriteriaMatcher>()

/** True when the alert satisfies the criteria (Opsgenie filter semantics; see the module comment). */
export function matchesCriteria(criteria: Criteria, subject: CriteriaSubject): boolean {
  let m = compiled.get(criteria)
  if (!m) {
    m = compileCriteria(criteria)
    compiled.set(criteria, m)
  }
  return m(subject)
}
