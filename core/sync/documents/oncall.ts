/** Who is paged and when: schedules, their overrides, escalation policies and routing rules (pushable). */
import { type Static, Type } from '@sinclair/typebox'
import { Criteria } from '../../model/criteria'
import { EscalationRepeat, EscalationRule } from '../../model/escalation'
import { RoutingNotify } from '../../model/routing'
import { Rotation } from '../../model/schedule'
import { TimeRestriction } from '../../model/time-restriction'
import { Deleted, Id, Ms, Obj, Ref, Text, TimeZone, UpdatedBy } from './fields'

/** A schedule with its rotations (core/model Rotation); overrides are their own collection. */
export const ScheduleDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Type.String({ minLength: 1, maxLength: 512 }),
  description: Text(10_000),
  timezone: TimeZone,
  enabled: Type.Boolean(),
  teamId: Ref,
  rotations: Type.Array(Rotation, { maxItems: 200 }),
  updatedBy: UpdatedBy,
})
export type ScheduleDoc = Static<typeof ScheduleDoc>

/** One override of a schedule: `userId` is on call instead between `start` and `end` (epoch ms). */
export const OverrideDoc = Obj({
  id: Id,
  _deleted: Deleted,
  scheduleId: Ref,
  /** Opsgenie's override alias, unique within the schedule. */
  alias: Type.String({ minLength: 1, maxLength: 512 }),
  userId: Ref,
  start: Ms,
  end: Ms,
  /** The rotations overridden; absent means all of them. */
  rotationIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1 })),
  updatedBy: UpdatedBy,
})
export type OverrideDoc = Static<typeof OverrideDoc>

/** An escalation policy (core/model EscalationPolicy, owner team as teamId). */
export const EscalationPolicyDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Text(10_000),
  teamId: Ref,
  rules: Type.Array(EscalationRule, { minItems: 1, maxItems: 20 }),
  repeat: Type.Optional(EscalationRepeat),
  updatedBy: UpdatedBy,
})
export type EscalationPolicyDoc = Static<typeof EscalationPolicyDoc>

/** A team routing rule (core/model RoutingRule plus its team). */
export const RoutingRuleDoc = Obj({
  id: Id,
  _deleted: Deleted,
  teamId: Ref,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  order: Type.Integer({ minimum: 0, maximum: 1000, multipleOf: 1 }),
  criteria: Criteria,
  timeRestriction: Type.Optional(TimeRestriction),
  timezone: TimeZone,
  notify: RoutingNotify,
  isDefault: Type.Boolean(),
  updatedBy: UpdatedBy,
})
export type RoutingRuleDoc = Static<typeof RoutingRuleDoc>
