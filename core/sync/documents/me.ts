/** The signed-in user's own contact methods and notification rules, replicated in one `me` collection. */
import { type Static, Type } from '@sinclair/typebox'
import { CONTACT_METHODS } from '../../model/contact'
import { Criteria } from '../../model/criteria'
import { NOTIFICATION_ACTION_TYPES, NOTIFICATION_TIMES, STEP_METHODS } from '../../model/notification-rule'
import { TimeRestriction } from '../../model/time-restriction'
import { Deleted, Enum, Id, Obj, Ref, Text, UpdatedBy } from './fields'

/** The two kinds of document in `me`. */
export const ME_KINDS = ['contact', 'notificationRule'] as const
export type MeKind = (typeof ME_KINDS)[number]

const RuleStep = Obj({
  contact: Obj({ method: Enum(STEP_METHODS), to: Type.String({ minLength: 1, maxLength: 512 }) }),
  sendAfter: Obj({
    timeAmount: Type.Integer({ minimum: 0, maximum: 1440 }),
    timeUnit: Type.Literal('minutes'),
  }),
  enabled: Type.Boolean(),
})

/**
 * The signed-in user's own contact methods (`kind: 'contact'`: method, to, enabled) and notification rules
 * (`kind: 'notificationRule'`: name, actionType, criteria, steps, order, enabled, ...). `userId` is always
 * the signed-in user. Fields of the other kind are absent.
 */
export const MeDoc = Obj({
  id: Id,
  _deleted: Deleted,
  kind: Enum(ME_KINDS),
  userId: Ref,
  enabled: Type.Boolean(),
  // contact
  method: Type.Optional(Enum(CONTACT_METHODS)),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  disabledReason: Type.Optional(Text(200)),
  // notification rule
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  actionType: Type.Optional(Enum(NOTIFICATION_ACTION_TYPES)),
  criteria: Type.Optional(Criteria),
  timeRestriction: Type.Optional(TimeRestriction),
  notificationTime: Type.Optional(Type.Array(Enum(NOTIFICATION_TIMES), { maxItems: 4 })),
  steps: Type.Optional(Type.Array(RuleStep, { maxItems: 20 })),
  repeat: Type.Optional(
    Obj({ loopAfter: Type.Integer({ minimum: 1, maximum: 1440 }), enabled: Type.Boolean() }),
  ),
  order: Type.Optional(Type.Integer({ minimum: 0 })),
  updatedBy: UpdatedBy,
})
export type MeDoc = Static<typeof MeDoc>
