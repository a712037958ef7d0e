/**
 * Notification rules -> planned deliveries. Pure: the caller passes the user's rules, the notification and
 * the user's time zone; nothing here reads the clock or the store.
 *
 * Opsgenie semantics, as Vigil applies them:
 * - Only enabled rules of the notification's action type are considered, in rule order; the FIRST rule
 *   whose criteria match the alert and whose time restriction (the user's quiet-hours window, read in the
 *   user's zone) holds at the notification's instant applies. No match = nobody is told by that path.
 * - Each enabled step of that rule becomes one delivery, due `sendAfter` minutes after the notification,
 *   unless its contact is disabled or gone (Opsgenie does not notify disabled contacts; desktop needs none).
 * - schedule-start / schedule-end rules ignore alert criteria (there is no alert); each `notificationTime`
 *   gives its own due instant relative to the shift edge (see noticeOffsetMs).
 * - repeat (`loopAfter`, create-alert only): every step comes back `lastStepDelay + loopAfter` minutes after
 *   its previous round, until the alert is acknowledged or closed (the sender stops a cancelled chain).
 */
import { type CriteriaSubject, matchesCriteria } from '../criteria'
import type { Criteria } from '../model/criteria'
import type { NotificationActionType, NotificationPayload } from '../model/notification'
import type { NotificationStep } from '../model/notification-rule'
import type { TimeRestriction } from '../model/time-restriction'
import { isWithinRestriction } from '../time/restrictions'

const MINUTE = 60_000

/** A notification rule as delivery needs it (parsed from its row). */
export interface RuleForDelivery {
  id: string
  name: string
  actionType: string
  criteria: Criteria
  timeRestriction?: TimeRestriction
  notificationTime?: string[]
  steps: NotificationStep[]
  repeat?: { loopAfter: number; enabled?: boolean }
  order: number
  enabled: boolean
}

/** The notification being expanded. */
export interface NotificationForDelivery {
  id: string
  actionType: NotificationActionType
  payload: NotificationPayload
  createdAt: number
}

/** One delivery to write: a step of the chosen rule (and, for shift notices, one of its notification times). */
export interface PlannedDelivery {
  /** Unique per notification: `<step>` or `<step>@<notificationTime>`, plus the repeat round. */
  key: string
  step: number
  channel: NotificationStep['contact']['method']
  address: string
  dueAt: number
  /** Milliseconds between repeat rounds of this step; undefined when the rule does not repeat. */
  repeatEveryMs?: number
}

/** What expansion decided for one notification. */
export interface ExpansionPlan {
  /** The rule that applied, if any. */
  rule?: { id: string; name: string }
  deliveries: PlannedDelivery[]
  /** Why nothing was planned (for the alert log), when nothing was. */
  reason?: string
}

/** How long before a shift edge each Opsgenie notificationTime fires. */
export const NOTICE_OFFSETS_MS: Readonly<Record<string, number>> = {
  'just-before': MINUTE,
  '15-minutes-ago': 15 * MINUTE,
  '1-hour-ago': 60 * MINUTE,
  '1-day-ago': 24 * 60 * MINUTE,
}

/** The longest notice offset: how far ahead the on-call notice worker must look. */
export const MAX_NOTICE_OFFSET_MS = Math.max(...Object.values(NOTICE_OFFSETS_MS))

/** The criteria subject of a notification: the alert snapshot it carries. */
export function subjectOf(payload: NotificationPayload): CriteriaSubject | undefined {
  const a = payload.alert
  if (!a) return undefined
  return {
    message: a.message,
    alias: a.alias,
    source: a.source,
    entity: a.entity,
    tags: a.tags,
    priority: a.priority,
    teams: a.teamId ? [a.teamId] : [],
    ownerTeamId: a.teamId,
  }
}

/** True when the rule's quiet-hours window (its time restriction) lets it apply at `instant`. */
export function ruleActiveAt(rule: RuleForDelivery, zone: string, instant: number): boolean {
  return rule.timeRestriction === undefined || isWithinRestriction(rule.timeRestriction, zone, instant)
}

/** The first enabled rule of the action type that matches (Opsgenie: only the first match applies). */
export function selectRule(
  rules: readonly RuleForDelivery[],
  n: NotificationForDelivery,
  zone: string,
  instant: number,
): RuleForDelivery | undefined {
  const subject = subjectOf(n.payload)
  const isShift = n.actionType === 'schedule-start' || n.actionType === 'schedule-end'
  return [...rules]
    .filter((r) => r.enabled && r.actionType === n.actionType)
    .sort((a, b) => a.order - b.order)
    .find((r) => {
      if (!ruleActiveAt(r, zone, instant)) return false
      if (isShift) return true
      // Rules about alerts need an alert to test; a notice without one only matches match-all rules.
      return subject ? matchesCriteria(r.criteria, subject) : r.criteria.type === 'match-all'
    })
}

/** Minutes → ms of a step's delay. */
const delayOf = (s: NotificationStep): number => (s.sendAfter?.timeAmount ?? 0) * MINUTE

/** The shift edge a schedule notice is about, or undefined for other notifications. */
function shiftEdge(n: NotificationForDelivery): number | undefined {
  if (!n.payload.shift) return undefined
  if (n.actionType === 'schedule-start') return n.payload.shift.start
  if (n.actionType === 'schedule-end') return n.payload.shift.end
  return undefined
}

/**
 * The deliveries of one notification under the user's rules. `instant` is when the rules are evaluated
 * (the notification's creation, or the shift edge for notices).
 */
export function planDeliveries(
  rules: readonly RuleForDelivery[],
  n: NotificationForDelivery,
  zone: string,
  usable: (method: string, address: string) => boolean = () => true,
): ExpansionPlan {
  const edge = shiftEdge(n)
  const instant = edge ?? n.createdAt
  const rule = selectRule(rules, n, zone, instant)
  if (!rule) return { deliveries: [], reason: `no ${n.actionType} notification rule matches` }
  const steps = rule.steps
    .map((s, i) => ({ s, i }))
    .filter(
      ({ s }) =>
        s.enabled !== false && (s.contact.method === 'desktop' || usable(s.contact.method, s.contact.to)),
    )
  if (steps.length === 0)
    return { rule, deliveries: [], reason: `rule "${rule.name}" has no enabled step with an enabled contact` }
  const lastDelay = Math.max(...steps.map(({ s }) => delayOf(s)))
  const repeats =
    n.actionType === 'create-alert' && rule.repeat !== undefined && rule.repeat.enabled !== false
  const repeatEveryMs = repeats && rule.repeat ? lastDelay + rule.repeat.loopAfter * MINUTE : undefined
  const deliveries: PlannedDelivery[] = []
  for (const { s, i } of steps) {
    const base = {
      step: i,
      channel: s.contact.method,
      address: s.contact.to,
      ...(repeatEveryMs ? { repeatEveryMs } : {}),
    }
    if (edge === undefined) {
      deliveries.push({ ...base, key: `${i}`, dueAt: n.createdAt + delayOf(s) })
      continue
    }
    const times = rule.notificationTime?.length ? rule.notificationTime : ['just-before']
    for (const t of times) {
      const offset = NOTICE_OFFSETS_MS[t] ?? MINUTE
      // A notice written late (the server was down) goes out at once rather than never.
      deliveries.push({ ...base, key: `${i}@${t}`, dueAt: Math.max(n.createdAt, edge - offset + delayOf(s)) })
    }
  }
  return { rule, deliveries }
}

/** The key of a delivery's repeat round `cycle` (round 0 keeps the plain key). */
export function cycleKey(notificationId: string, planKey: string, cycle: number): string {
  return cycle === 0 ? `${notificationId}/${planKey}` : `${notificationId}/${planKey}/r${cycle}`
}
