/** Integrations as replicated: never their key. */
import { type Static, Type } from '@sinclair/typebox'
import { INTEGRATION_TYPES } from '../../model/integration'
import { Deleted, Enum, Id, Ms, Obj, Ref, Text } from './fields'

/** An integration without its key (pull only): `keyHint` tells keys apart. */
export const IntegrationDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Text(100),
  type: Enum(INTEGRATION_TYPES),
  teamId: Ref,
  enabled: Type.Boolean(),
  allowReadAccess: Type.Boolean(),
  allowWriteAccess: Type.Boolean(),
  allowDeleteAccess: Type.Boolean(),
  allowConfigurationAccess: Type.Boolean(),
  rateLimitPerMinute: Type.Integer({ minimum: 0 }),
  keyHint: Text(64),
  createdAt: Ms,
  updatedAt: Ms,
})
export type IntegrationDoc = Static<typeof IntegrationDoc>
