import { type Static, Type } from '@sinclair/typebox'
import { CONTACT_METHODS } from './contact'
import type { Criteria } from './criteria'

/** Opsgenie's notification rule action types (notes/opsgenie-api.md §6). */
export const NOTIFICATION_ACTION_TYPES = [
  'create-alert',
  'acknowledged-alert',
  'closed-alert',
  'renotified-alert',
  'assigned-alert',
  'add-note',
  'incoming-call-routing',
  'schedule-start',
  'schedule-end',
] as const
export type NotificationActionType = (typeof NOTIFICATION_ACTION_TYPES)[number]

/** When schedule-start/-end rules notify. */
export const NOTIFICATION_TIMES = ['just-before', '15-minutes-ago', '1-hour-ago', '1-day-ago'] as const

/** Step contact methods: the contact methods plus `desktop` (the console), which needs no contact. */
export const STEP_METHODS = [...CONTACT_METHODS, 'desktop'] as const

export const NOTIFICATION_RULE_LIMITS = { steps: 20, loopAfterMinutes: 1440, sendAfterMinutes: 1440 } as const

const Step = Type.Object(
  {
    contact: Type.Object(
      {
        method: Type.Union(STEP_METHODS.map((m) => Type.Literal(m))),
        to: Type.String({ minLength: 1, maxLength: 512 }),
      },
      { additionalProperties: false },
    ),
    sendAfter: Type.Optional(
      Type.Object(
        {
          timeAmount: Type.Integer({ minimum: 0, maximum: NOTIFICATION_RULE_LIMITS.sendAfterMinutes }),
          timeUnit: Type.Optional(Type.Literal('minutes')),
        },
        { additionalProperties: false },
      ),
    ),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

const Repeat = Type.Object(
  {
    loopAfter: Type.Integer({ minimum: 1, maximum: NOTIFICATION_RULE_LIMITS.loopAfterMinutes }),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

/** POST /v2/users/{id}/notification-rules (criteria and timeRestriction are checked by the handler). */
export const NotificationRuleCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    actionType: Type.Union(NOTIFICATION_ACTION_TYPES.map((a) => Type.Literal(a))),
    criteria: Type.Optional(Type.Unknown()),
    timeRestriction: Type.Optional(Type.Unknown()),
    notificationTime: Type.Optional(
      Type.Array(Type.Union(NOTIFICATION_TIMES.map((t) => Type.Literal(t))), {
        maxItems: 4,
        uniqueItems: true,
      }),
    ),
    steps: Type.Optional(Type.Array(Step, { maxItems: NOTIFICATION_RULE_LIMITS.steps })),
    repeat: Type.Optional(Repeat),
    order: Type.Optional(Type.Integer({ minimum: 0 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type NotificationRuleCreate = Static<typeof NotificationRuleCreate>

/** PATCH: any field of the create body except actionType, which Opsgenie does not let change. */
export const NotificationRulePatch = Type.Omit(Type.Partial(NotificationRuleCreate), ['actionType'], {
  additionalProperties: false,
  minProperties: 1,
})
export type NotificationRulePatch = Static<typeof NotificationRulePatch>

/** POST …/change-order. */
export const ChangeOrder = Type.Object(
  { order: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
)
export type ChangeOrder = Static<typeof ChangeOrder>

export interface NotificationStep {
  contact: { method: (typeof STEP_METHODS)[number]; to: string }
  sendAfter: { timeAmount: number; timeUnit: 'minutes' }
  enabled: boolean
}

/** A notification rule as Opsgenie shows it. */
export interface NotificationRule {
  id: string
  name: string
  actionType: NotificationActionType
  criteria: Criteria
  timeRestriction?: unknown
  notificationTime?: string[]
  steps: NotificationStep[]
  repeat?: { loopAfter: number; enabled: boolean }
  order: number
  enabled: boolean
}

/**
 * The rules every new user starts with: the console at once for each new alert, and e-mail after one
 * minute for P1 and P2 alerts when the user has an e-mail contact. Only the first matching rule applies
 * (Opsgenie), so the P1/P2 rule comes first and carries the console step too.
 */
export function defaultNotificationRules(
  username: string,
  email: string | undefined,
): Array<Omit<NotificationRule, 'id'>> {
  const desktop: NotificationStep = {
    contact: { method: 'desktop', to: username },
    sendAfter: { timeAmount: 0, timeUnit: 'minutes' },
    enabled: true,
  }
  const rules: Array<Omit<NotificationRule, 'id'>> = []
  if (email !== undefined) {
    rules.push({
      name: 'Critical alerts by e-mail',
      actionType: 'create-alert',
      criteria: {
        type: 'match-any-condition',
        conditions: [
          { field: 'priority', operation: 'equals', expectedValue: 'P1' },
          { field: 'priority', operation: 'equals', expectedValue: 'P2' },
        ],
      } as Criteria,
      steps: [
        desktop,
        {
          contact: { method: 'email', to: email },
          sendAfter: { timeAmount: 1, timeUnit: 'minutes' },
          enabled: true,
        },
      ],
      order: 0,
      enabled: true,
    })
  }
  rules.push({
    name: 'New alert',
    actionType: 'create-alert',
    criteria: { type: 'match-all' },
    steps: [desktop],
    order: rules.length,
    enabled: true,
  })
  return rules
}
