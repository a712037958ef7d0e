import { type Static, Type } from '@sinclair/typebox'

/** A responder or visibleTo entry: by id, name or username, as Opsgenie accepts them. */
export const Recipient = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 20 }),
    id: Type.Optional(Type.String({ maxLength: 512 })),
    name: Type.Optional(Type.String({ maxLength: 512 })),
    username: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: true },
)
export type Recipient = Static<typeof Recipient>

export const RECIPIENT_TYPES = ['team', 'user', 'escalation', 'schedule'] as const
