import { type Static, Type } from '@sinclair/typebox'
import { ALERT_LIMITS as L } from './limits'
import { Recipient } from './recipient'

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const
export type Priority = (typeof PRIORITIES)[number]
export const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)))

// Strings are accepted at any length and cut to Opsgenie's limits by normalisation; only the shape is
// checked here. Extra properties are allowed because real clients send them (the Node SDK's `teams`).
const Str = Type.String()

/** Fields every alert action body may carry. */
export const AlertActionPayload = Type.Object(
  {
    user: Type.Optional(Str),
    source: Type.Optional(Str),
    note: Type.Optional(Str),
  },
  { additionalProperties: true },
)
export type AlertActionPayload = Static<typeof AlertActionPayload>

/** POST /v2/alerts. */
export const CreateAlertPayload = Type.Object(
  {
    message: Str,
    alias: Type.Optional(Str),
    description: Type.Optional(Str),
    responders: Type.Optional(Type.Array(Recipient, { maxItems: L.recipients })),
    visibleTo: Type.Optional(Type.Array(Recipient, { maxItems: L.recipients })),
    actions: Type.Optional(Type.Array(Str, { maxItems: L.actionCount })),
    tags: Type.Optional(Type.Array(Str)),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    entity: Type.Optional(Str),
    source: Type.Optional(Str),
    // Lenient: Alertmanager passes a template result through unchecked; normalisation maps it.
    priority: Type.Optional(Str),
    user: Type.Optional(Str),
    note: Type.Optional(Str),
  },
  { additionalProperties: true },
)
export type CreateAlertPayload = Static<typeof CreateAlertPayload>

export const SnoozePayload = Type.Composite([AlertActionPayload, Type.Object({ endTime: Str })], {
  additionalProperties: true,
})
export const EscalatePayload = Type.Composite(
  [
    AlertActionPayload,
    Type.Object({ escalation: Type.Object({ id: Type.Optional(Str), name: Type.Optional(Str) }) }),
  ],
  { additionalProperties: true },
)
export const AssignPayload = Type.Composite(
  [
    AlertActionPayload,
    Type.Object({ owner: Type.Object({ id: Type.Optional(Str), username: Type.Optional(Str) }) }),
  ],
  { additionalProperties: true },
)
export const AddResponderPayload = Type.Composite(
  [AlertActionPayload, Type.Object({ responder: Recipient })],
  {
    additionalProperties: true,
  },
)
export const AddTeamPayload = Type.Composite(
  [
    AlertActionPayload,
    Type.Object({ team: Type.Object({ id: Type.Optional(Str), name: Type.Optional(Str) }) }),
  ],
  { additionalProperties: true },
)
export const AddTagsPayload = Type.Composite([AlertActionPayload, Type.Object({ tags: Type.Array(Str) })], {
  additionalProperties: true,
})
export const AddDetailsPayload = Type.Composite(
  [AlertActionPayload, Type.Object({ details: Type.Record(Type.String(), Type.Unknown()) })],
  { additionalProperties: true },
)
export const AddNotePayload = Type.Composite([AlertActionPayload, Type.Object({ note: Str })], {
  additionalProperties: true,
})
// Alertmanager's update_alerts leaves empty values out and may send `{}`: that is a no-op, not an error.
export const UpdateMessagePayload = Type.Object(
  { message: Type.Optional(Str) },
  { additionalProperties: true },
)
export const UpdateDescriptionPayload = Type.Object(
  { description: Type.Optional(Str) },
  { additionalProperties: true },
)
export const UpdatePriorityPayload = Type.Object({ priority: Priority }, { additionalProperties: true })

/** The alert as the API returns it (Opsgenie's full Alert object). */
export const Alert = Type.Object({
  id: Type.String(),
  tinyId: Type.String(),
  alias: Type.String(),
  message: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  acknowledged: Type.Boolean(),
  isSeen: Type.Boolean(),
  tags: Type.Array(Type.String()),
  snoozed: Type.Boolean(),
  snoozedUntil: Type.Optional(Type.String()),
  count: Type.Integer(),
  lastOccurredAt: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  source: Type.String(),
  owner: Type.String(),
  priority: Priority,
  responders: Type.Array(Recipient),
  visibleTo: Type.Array(Recipient),
  integration: Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() }),
  report: Type.Object({
    ackTime: Type.Optional(Type.Integer()),
    closeTime: Type.Optional(Type.Integer()),
    acknowledgedBy: Type.Optional(Type.String()),
    closedBy: Type.Optional(Type.String()),
  }),
  ownerTeamId: Type.String(),
  actions: Type.Array(Type.String()),
  entity: Type.String(),
  description: Type.String(),
  details: Type.Record(Type.String(), Type.String()),
})
export type Alert = Static<typeof Alert>
