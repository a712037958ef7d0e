import { type Static, Type } from '@sinclair/typebox'
import { IANAZone } from 'luxon'

/** Account roles, most powerful first (notes/opsgenie-api.md §6). */
export const ROLES = ['owner', 'admin', 'user', 'observer'] as const
export type Role = (typeof ROLES)[number]
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)))

/** Passwords shorter than this are refused; length is what makes a password strong. */
export const MIN_PASSWORD_LENGTH = 12
/** Upper bound so a request cannot make argon2 hash megabytes. */
export const MAX_PASSWORD_LENGTH = 1024

// Opsgenie usernames are e-mail addresses of at most 100 characters; a loose shape check is enough
// because nothing is ever mailed to an address that has not been typed in by an admin.
const Username = Type.String({ minLength: 3, maxLength: 100, pattern: '^[^\\s@]+@[^\\s@]+$' })
const FullName = Type.String({ minLength: 1, maxLength: 512 })
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH })
// Checked against luxon's zone database in the handler (isValidTimeZone); JSON Schema cannot.
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })

/** True when luxon knows the IANA zone name (e.g. `Europe/Berlin`). */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone)
}

/** Usernames compare case-insensitively, as e-mail addresses do in practice. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase()
}

/** POST /api/v1/users. */
export const UserCreate = Type.Object(
  {
    username: Username,
    fullName: FullName,
    role: Role,
    password: Type.Optional(Password),
    timeZone: Type.Optional(TimeZone),
    blocked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type UserCreate = Static<typeof UserCreate>

/** PATCH /api/v1/users/:id; `currentPassword` is required when users change their own password. */
export const UserPatch = Type.Object(
  {
    username: Type.Optional(Username),
    fullName: Type.Optional(FullName),
    role: Type.Optional(Role),
    password: Type.Optional(Password),
    currentPassword: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
    timeZone: Type.Optional(TimeZone),
    blocked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UserPatch = Static<typeof UserPatch>

/** A user as the API shows it; never carries the password hash. */
export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  fullName: Type.String(),
  role: Role,
  timeZone: Type.String(),
  blocked: Type.Boolean(),
  hasPassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type User = Static<typeof User>

/** The short user form embedded in login and team member responses. */
export const UserRef = Type.Object({
  id: Type.String(),
  username: Type.String(),
  fullName: Type.String(),
  role: Role,
})
export type UserRef = Static<typeof UserRef>

/** POST /api/v1/auth/login. */
export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
)
export type LoginBody = Static<typeof LoginBody>

/** The `data` of a successful login. */
export const LoginResult = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  user: UserRef,
})
export type LoginResult = Static<typeof LoginResult>

/** GET /api/v1/users query. */
export const UserListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  query: Type.Optional(Type.String({ maxLength: 100, description: 'substring of username or full name' })),
})
export type UserListQuery = Static<typeof UserListQuery>
