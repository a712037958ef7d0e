import { type Static, Type } from '@sinclair/typebox'
import { Priority } from './alert'

/**
 * RFC 6901 JSON Pointer syntax: `""` (the whole document) or `/token/token…`, where `~` may only appear as `~0`
 * (a literal `~`) or `~1` (a literal `/`). Shared with the resolver so a saved config and a lookup agree.
 */
export const JSON_POINTER_PATTERN = '^(?:/(?:[^~/]|~[01])*)*$'

/** A syntactically valid RFC 6901 JSON Pointer, e.g. `/alert/labels/host` or `/items/0/name`. */
export const JsonPointer = Type.String({
  pattern: JSON_POINTER_PATTERN,
  maxLength: 1024,
  errorMessage:
    'must be a JSON pointer (RFC 6901) such as "/alert/title"; escape "~" as "~0" and "/" as "~1"',
})

// Action values are compared case-insensitively after trimming; a few dozen covers every real sender.
const ActionValueList = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })

/** Alias prefix shared by every integration type, so teams sharing an account do not dedup each other. */
export const AliasPrefixOption = Type.Object(
  { aliasPrefix: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
)
export type AliasPrefixOption = Static<typeof AliasPrefixOption>

/** Field mapping of a generic JSON webhook integration: where each alert field sits in the inbound body. */
export const GenericMappingConfig = Type.Object(
  {
    message: JsonPointer,
    alias: Type.Optional(JsonPointer),
    priority: Type.Optional(JsonPointer),
    description: Type.Optional(JsonPointer),
    tags: Type.Optional(JsonPointer),
    details: Type.Optional(JsonPointer),
    entity: Type.Optional(JsonPointer),
    source: Type.Optional(JsonPointer),
    action: Type.Optional(JsonPointer),
    actionValues: Type.Optional(
      Type.Object(
        {
          close: Type.Optional(ActionValueList),
          acknowledge: Type.Optional(ActionValueList),
          create: Type.Optional(ActionValueList),
        },
        { additionalProperties: false },
      ),
    ),
    priorityMap: Type.Optional(Type.Record(Type.String(), Priority, { maxProperties: 100 })),
  },
  // Admin-authored: an unknown key is almost always a typo ("mesage"), so say so instead of ignoring it.
  { additionalProperties: false },
)
export type GenericMappingConfig = Static<typeof GenericMappingConfig>
