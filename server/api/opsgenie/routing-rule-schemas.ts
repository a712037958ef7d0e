/** Request schemas of the team routing-rule routes (/v2/teams/{team}/routing-rules). */
import { type Static, Type } from '@sinclair/typebox'

const Ref = Type.String({ minLength: 1, maxLength: 200 })

/** A rule's target as a client names it: by id or by name. */
export const Notify = Type.Object(
  {
    type: Type.Union([Type.Literal('escalation'), Type.Literal('schedule'), Type.Literal('none')]),
    id: Type.Optional(Ref),
    name: Type.Optional(Ref),
  },
  { additionalProperties: false },
)
export type Notify = Static<typeof Notify>

// Criteria and time restrictions are checked by core's validators, whose messages name the fix.
/** The body of POST …/routing-rules. */
export const RuleCreate = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    order: Type.Optional(Type.Integer({ minimum: 0 })),
    criteria: Type.Optional(Type.Unknown()),
    timeRestriction: Type.Optional(Type.Unknown()),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    notify: Notify,
  },
  { additionalProperties: false },
)
export type RuleCreate = Static<typeof RuleCreate>

/** The body of PATCH …/routing-rules/{ruleId}. */
export const RulePatch = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    criteria: Type.Optional(Type.Unknown()),
    timeRestriction: Type.Optional(Type.Unknown()),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    notify: Type.Optional(Notify),
  },
  { additionalProperties: false },
)
export type RulePatch = Static<typeof RulePatch>

/** The body of POST …/routing-rules/{ruleId}/change-order. */
export const ChangeOrder = Type.Object(
  { order: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
)

/** How the path names the team: by id (the default) or by name. */
export const TeamQuery = Type.Object({
  teamIdentifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('name')])),
})
/** The path of the rule list. */
export const TeamParams = Type.Object({ team: Type.String({ minLength: 1 }) })
/** The path of one rule. */
export const RuleParams = Type.Object({
  team: Type.String({ minLength: 1 }),
  ruleId: Type.String({ minLength: 1 }),
})
/** A request on the team's rule list. */
export type TeamReq = { Params: { team: string }; Querystring: Static<typeof TeamQuery> }
/** A request on one of the team's rules. */
export type RuleReq = { Params: { team: string; ruleId: string }; Querystring: Static<typeof TeamQuery> }
