import { type Static, Type } from '@sinclair/typebox'
import { Priority } from './alert'
import { Criteria } from './criteria'
import { ALERT_LIMITS } from './limits'
import { Recipient } from './recipient'
import { TimeRestriction } from './time-restriction'

/*
 * Team routing rules, org-level alert policies and maintenance windows (notes/opsgenie-api.md §7):
 * what happens to an alert between ingest and escalation. Pure evaluation lives in core/routing.
 */

const Id = Type.String({ minLength: 1, maxLength: 100 })
const Name = Type.String({ minLength: 1, maxLength: 200 })
// Checked against luxon's zone database by the validators (isValidTimeZone); JSON Schema cannot.
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })
// ISO-8601 with an offset or Z; parsed by luxon in the validator, because TypeBox's `format` needs a registry.
const Instant = Type.String({ minLength: 1, maxLength: 40 })

/** At most this many routing rules per team, as Opsgenie allows. */
export const MAX_ROUTING_RULES = 100

/** Where a matching routing rule sends the alert. */
export const RoutingNotify = Type.Union(
  [
    Type.Object({ type: Type.Literal('escalation'), id: Id }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('schedule'), id: Id }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { errorMessage: 'must be {type: "escalation" | "schedule", id} or {type: "none"}' },
)
export type RoutingNotify = Static<typeof RoutingNotify>

/**
 * A team routing rule. Rules are tried by ascending `order`, the first match wins; the one rule with
 * `isDefault` is tried last and always matches (Opsgenie's default rule routes to the team's default
 * escalation). `timeRestriction` is read in `timezone`.
 */
export const RoutingRule = Type.Object(
  {
    id: Id,
    name: Name,
    order: Type.Integer({ minimum: 0 }),
    criteria: Criteria,
    timeRestriction: Type.Optional(TimeRestriction),
    timezone: TimeZone,
    notify: RoutingNotify,
    isDefault: Type.Boolean(),
  },
  { additionalProperties: false },
)
export type RoutingRule = Static<typeof RoutingRule>

/** Opsgenie's ignoreOriginal* switches: true replaces the alert's list instead of adding to it. */
export const IgnoreOriginal = Type.Object(
  {
    tags: Type.Optional(Type.Boolean()),
    details: Type.Optional(Type.Boolean()),
    actions: Type.Optional(Type.Boolean()),
    responders: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type IgnoreOriginal = Static<typeof IgnoreOriginal>

/**
 * An org-level alert policy, applied at creation: modify fields (text fields are templates with
 * `{{message}}`, `{{alias}}`, `{{description}}`, `{{source}}`, `{{entity}}`, `{{priority}}`, `{{tags}}`,
 * `{{details.KEY}}` / `{{extraProperties.KEY}}`), suppress notifications, schedule an auto-close. Policies
 * are tried by `order`; the first match applies and stops the walk unless it has `continue`.
 */
export const AlertPolicy = Type.Object(
  {
    id: Id,
    name: Name,
    enabled: Type.Boolean(),
    order: Type.Integer({ minimum: 0 }),
    filter: Criteria,
    timeRestriction: Type.Optional(TimeRestriction),
    timezone: Type.Optional(TimeZone),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    alias: Type.Optional(Type.String({ maxLength: 1000 })),
    description: Type.Optional(Type.String({ maxLength: ALERT_LIMITS.description })),
    entity: Type.Optional(Type.String({ maxLength: 1000 })),
    source: Type.Optional(Type.String({ maxLength: 1000 })),
    priority: Type.Optional(Priority),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: ALERT_LIMITS.tagCount })),
    details: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 2000 }))),
    actions: Type.Optional(
      Type.Array(Type.String({ maxLength: ALERT_LIMITS.actionLength }), {
        maxItems: ALERT_LIMITS.actionCount,
      }),
    ),
    responders: Type.Optional(Type.Array(Recipient, { maxItems: ALERT_LIMITS.recipients })),
    ignoreOriginal: Type.Optional(IgnoreOriginal),
    suppress: Type.Optional(Type.Boolean()),
    autoCloseAfterMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 525_600 })),
    continue: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type AlertPolicy = Static<typeof AlertPolicy>

/** What a maintenance window silences: any of these teams, integrations or policies. */
export const MaintenanceScope = Type.Object(
  {
    teamIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    integrationIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    policyIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  },
  { additionalProperties: false },
)
export type MaintenanceScope = Static<typeof MaintenanceScope>

/**
 * A maintenance window, active from `start` (inclusive) to `end` (exclusive; absent = indefinitely),
 * both ISO-8601 instants. A cancelled window is never active.
 */
export const MaintenanceWindow = Type.Object(
  {
    id: Id,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    start: Instant,
    end: Type.Optional(Instant),
    scope: MaintenanceScope,
    cancelled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type MaintenanceWindow = Static<typeof MaintenanceWindow>
