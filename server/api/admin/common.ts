import { type TSchema, Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { Integration, IntegrationType } from '../../../core/model/integration'
import { integrationUrls } from '../../../core/model/integration'
import type { Team } from '../../../core/model/team'
import type { User, UserRef } from '../../../core/model/user'
import { liveSessionIds } from '../../auth/sessions'
import type { AppContext } from '../../context'
import type { IntegrationsTable, TeamsTable, UsersTable } from '../../store/schema'
import { ApiError } from '../envelope'

/** Opsgenie's top-level 422 message, reused for checks JSON Schema cannot express. */
export const UNPROCESSABLE = 'Request body is not processable. Please check the errors.'

/** Epoch ms as the ISO-8601 string the API shows. */
export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString()

/** 404 for an id that names nothing. */
export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, `${what} with identifier [${id}] does not exist`)
}

/** 422 for one field, in Opsgenie's per-field error shape. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError(422, UNPROCESSABLE, { [field]: message })
}

/** True for a unique/primary-key violation from either store (a lost race against a concurrent insert). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** True for a foreign-key violation from either store (a row still referenced elsewhere). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** The user as the API shows it. */
export function userView(row: UsersTable): User {
  return {
    id: row.id,
    username: row.username,
    fullName: row.full_name,
    role: row.role,
    timeZone: row.time_zone,
    blocked: Boolean(row.blocked),
    hasPassword: row.password_hash !== null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

/** The short user form (login, team members). */
export function userRef(row: Pick<UsersTable, 'id' | 'username' | 'full_name' | 'role'>): UserRef {
  return { id: row.id, username: row.username, fullName: row.full_name, role: row.role }
}

/** The team as the API shows it. */
export function teamView(row: TeamsTable): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

/** The server's externally visible base URL as this request reached it (no trailing slash). */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`
}

/** The integration as the API shows it: never the key hash, the key itself only when given. */
export function integrationView(row: IntegrationsTable, base: string, apiKey?: string): Integration {
  const view: Integration = {
    id: row.id,
    name: row.name,
    type: row.type,
    teamId: row.team_id,
    enabled: Boolean(row.enabled),
    allowReadAccess: Boolean(row.allow_read),
    allowWriteAccess: Boolean(row.allow_write),
    allowDeleteAccess: Boolean(row.allow_delete),
    allowConfigurationAccess: Boolean(row.allow_configuration),
    rateLimitPerMinute: Number(row.rate_limit_per_minute),
    config: parseConfig(row.config),
    keyHint: row.key_hint,
    urls: integrationUrls(row.type as IntegrationType, base),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
  if (apiKey !== undefined) view.apiKey = apiKey
  return view
}

function parseConfig(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {}
  } catch {
    return {}
  }
}

/**
 * Evicts a user's live sessions from the auth cache after a change to the user or their teams, so the
 * next request sees the new role, membership or block at once (other instances within the cache TTL).
 */
export async function forgetUserSessions(ctx: AppContext, userId: string): Promise<void> {
  for (const id of await liveSessionIds(ctx, userId)) ctx.auth.forgetSession(id)
}

/** The success envelope's schema around `data`, for response serialization and the OpenAPI document. */
export function envelope(data: TSchema, extra: Record<string, TSchema> = {}) {
  return Type.Object({
    result: Type.Optional(Type.String()),
    data,
    ...extra,
    took: Type.Number(),
    requestId: Type.String(),
  })
}

/** The envelope of a response that carries only a result message. */
export const ResultOnly = Type.Object({
  result: Type.String(),
  took: Type.Number(),
  requestId: Type.String(),
})

/** `:id` path parameter. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

/** OpenAPI security of authenticated routes: a session token or an integration key (see app.ts schemes). */
export const SECURITY: Array<Record<string, string[]>> = [{ Session: [] }, { GenieKey: [] }]
