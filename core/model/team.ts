import { type Static, Type } from '@sinclair/typebox'
import { Role } from './user'

/** Roles inside a team: team admins manage the team's members and integrations. */
export const TEAM_ROLES = ['admin', 'user'] as const
export type TeamRole = (typeof TEAM_ROLES)[number]
export const TeamRole = Type.Union(TEAM_ROLES.map((r) => Type.Literal(r)))

const TeamName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Description = Type.String({ maxLength: 10_000 })

/** POST /api/v1/teams. */
export const TeamCreate = Type.Object(
  { name: TeamName, description: Type.Optional(Description) },
  { additionalProperties: false },
)
export type TeamCreate = Static<typeof TeamCreate>

/** PATCH /api/v1/teams/:id. */
export const TeamPatch = Type.Object(
  { name: Type.Optional(TeamName), description: Type.Optional(Description) },
  { additionalProperties: false, minProperties: 1 },
)
export type TeamPatch = Static<typeof TeamPatch>

/** A team as the API shows it. */
export const Team = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type Team = Static<typeof Team>

/** A member of a team, with the user's account-level details. */
export const TeamMember = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String(), fullName: Type.String(), role: Role }),
  role: TeamRole,
})
export type TeamMember = Static<typeof TeamMember>

/** POST /api/v1/teams/:id/members (Opsgenie's shape: the user by id or username). */
export const MemberAdd = Type.Object(
  {
    user: Type.Object(
      {
        id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        username: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    role: Type.Optional(TeamRole),
  },
  { additionalProperties: false },
)
export type MemberAdd = Static<typeof MemberAdd>

/** PUT /api/v1/teams/:id/members/:userId: adds the user or changes their team role. */
export const MemberPut = Type.Object({ role: TeamRole }, { additionalProperties: false })
export type MemberPut = Static<typeof MemberPut>

/** `?identifierType=id|name` as Opsgenie's team endpoints accept it. */
export const TeamIdentifierQuery = Type.Object({
  identifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('name')], { default: 'id' })),
})
export type TeamIdentifierQuery = Static<typeof TeamIdentifierQuery>
