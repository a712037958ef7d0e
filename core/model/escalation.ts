import { type Static, Type } from '@sinclair/typebox'

/*
 * Escalation policies (notes/opsgenie-api.md §5), in Vigil's internal shape: delays in minutes from
 * alert creation (Opsgenie's `delay.timeAmount`), recipients by id (the API layer resolves names).
 * What the engine does with a policy is in core/escalation.
 */

const Id = Type.String({ minLength: 1, maxLength: 100 })

/** `if-not-acked` rules stop once the alert is acknowledged; `if-not-closed` rules only when it closes. */
export const ESCALATION_CONDITIONS = ['if-not-acked', 'if-not-closed'] as const
export type EscalationCondition = (typeof ESCALATION_CONDITIONS)[number]

/** Who a rule can notify: one user, whoever a schedule names, or (some of) a team's members. */
export const RECIPIENT_KINDS = ['user', 'schedule', 'team'] as const
export type EscalationRecipientKind = (typeof RECIPIENT_KINDS)[number]

/** Schedule: who is on call now (`default`), the next or previous on-call, or everyone on call (`all`). */
export const SCHEDULE_NOTIFY_TYPES = ['default', 'next', 'previous', 'all'] as const
export type ScheduleNotifyType = (typeof SCHEDULE_NOTIFY_TYPES)[number]
/** Team: every member, only team admins, or only plain members. */
export const TEAM_NOTIFY_TYPES = ['all', 'admins', 'users'] as const
export type TeamNotifyType = (typeof TEAM_NOTIFY_TYPES)[number]

/** The notifyType values each recipient kind accepts (checked by validateEscalationPolicy). */
export const NOTIFY_TYPES: Readonly<Record<EscalationRecipientKind, readonly string[]>> = {
  user: ['default'],
  schedule: SCHEDULE_NOTIFY_TYPES,
  team: TEAM_NOTIFY_TYPES,
}

/** Bounds that keep an alert's escalation small enough to plan in one pass. */
export const ESCALATION_LIMITS = {
  rules: 20,
  repeats: 20,
  /** One week, in minutes; also the longest wait interval. */
  delayMinutes: 10_080,
} as const

/** Who an escalation rule notifies. */
export const EscalationRecipient = Type.Object(
  { type: Type.Union(RECIPIENT_KINDS.map((k) => Type.Literal(k))), id: Id },
  { additionalProperties: false },
)
export type EscalationRecipient = Static<typeof EscalationRecipient>

/** One rule: notify `recipient` `delayMinutes` after the alert was created (or the cycle restarted). */
export const EscalationRule = Type.Object(
  {
    condition: Type.Union(ESCALATION_CONDITIONS.map((c) => Type.Literal(c))),
    delayMinutes: Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.delayMinutes }),
    recipient: EscalationRecipient,
    notifyType: Type.Union(
      [...new Set([...SCHEDULE_NOTIFY_TYPES, ...TEAM_NOTIFY_TYPES])].map((t) => Type.Literal(t)),
    ),
  },
  { additionalProperties: false },
)
export type EscalationRule = Static<typeof EscalationRule>

/**
 * Run the whole policy again `waitIntervalMinutes` after the last rule, `count` more times.
 * `resetRecipientStates` clears the alert's acknowledgement before each repeat; `closeAlertAfterAll`
 * closes the alert when the last repeat is over.
 */
export const EscalationRepeat = Type.Object(
  {
    waitIntervalMinutes: Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.delayMinutes }),
    count: Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.repeats }),
    resetRecipientStates: Type.Boolean(),
    closeAlertAfterAll: Type.Boolean(),
  },
  { additionalProperties: false },
)
export type EscalationRepeat = Static<typeof EscalationRepeat>

/** An escalation policy owned by a team. Rules are listed by non-decreasing delay. */
export const EscalationPolicy = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    ownerTeamId: Id,
    rules: Type.Array(EscalationRule, { minItems: 1, maxItems: ESCALATION_LIMITS.rules }),
    repeat: Type.Optional(EscalationRepeat),
  },
  { additionalProperties: false },
)
export type EscalationPolicy = Static<typeof EscalationPolicy>
