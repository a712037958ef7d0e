/** Teams and user accounts, as replicated (pull only: both change through the HTTP API). */
import { type Static, Type } from '@sinclair/typebox'
import { TEAM_ROLES } from '../../model/team'
import { ROLES } from '../../model/user'
import { Deleted, Enum, Id, Ms, Obj, Ref, Text, TimeZone } from './fields'

/** A team and its members (pull only). */
export const TeamDoc = Obj({
  id: Id,
  _deleted: Deleted,
  name: Text(100),
  description: Text(10_000),
  members: Type.Array(Obj({ userId: Ref, role: Enum(TEAM_ROLES) })),
  createdAt: Ms,
  updatedAt: Ms,
})
export type TeamDoc = Static<typeof TeamDoc>

/** A user account (pull only; no password hash). */
export const UserDoc = Obj({
  id: Id,
  _deleted: Deleted,
  username: Text(100),
  fullName: Text(512),
  role: Enum(ROLES),
  timeZone: TimeZone,
  blocked: Type.Boolean(),
  createdAt: Ms,
  updatedAt: Ms,
})
export type UserDoc = Static<typeof UserDoc>
