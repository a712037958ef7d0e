import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AppDeps } from '../deps'
import type { Database, Role, TeamRole } from '../store/schema'
import { hashToken, newSessionToken } from './tokens'

type Deps = Pick<AppDeps, 'store' | 'clock' | 'config'>

/** A freshly created session; `token` is shown to the client once and never stored. */
export interface NewSession {
  id: string
  token: string
  expiresAt: number
}

/** A session row joined with what authentication needs of its user. */
export interface SessionLookup {
  id: string
  userId: string
  expiresAt: number
  revokedAt: number | null
  username: string
  role: Role
  blocked: boolean
}

/** Creates a session for the user that expires `config.sessionTtlMs` from now (by the injected clock). */
export async function createSession(deps: Deps, userId: string): Promise<NewSession> {
  const now = deps.clock.now()
  const token = newSessionToken()
  const session = { id: randomUUID(), token, expiresAt: now + deps.config.sessionTtlMs }
  // Housekeeping on the user's own rows only (indexed): long-dead sessions are of no use to anyone.
  await deps.store.db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('expires_at', '<', now)
    .execute()
  await deps.store.db
    .insertInto('sessions')
    .values({
      id: session.id,
      token_hash: hashToken(token),
      user_id: userId,
      created_at: now,
      expires_at: session.expiresAt,
      revoked_at: null,
    })
    .execute()
  return session
}

/** Looks a session up by the hash of its token, whatever its state; the caller judges expiry. */
export async function findSession(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<SessionLookup | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.expires_at',
      'sessions.revoked_at',
      'users.username',
      'users.role',
      'users.blocked',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    id: row.id,
    userId: row.user_id,
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    username: row.username,
    role: row.role,
    blocked: Boolean(row.blocked),
  }
}

/** The user's team memberships: team id -> role in that team. */
export async function userTeams(db: Kysely<Database>, userId: string): Promise<Map<string, TeamRole>> {
  const rows = await db
    .selectFrom('team_members')
    .select(['team_id', 'role'])
    .where('user_id', '=', userId)
    .execute()
  return new Map(rows.map((r) => [r.team_id, r.role]))
}

/** Marks one session revoked; false when it did not exist or was already revoked. */
export async function revokeSession(deps: Deps, sessionId: string): Promise<boolean> {
  const res = await deps.store.db
    .updateTable('sessions')
    .set({ revoked_at: deps.clock.now() })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}

/** Revokes every live session of a user but `except`, returning their ids (to evict them from the auth cache). */
export async function revokeUserSessions(deps: Deps, userId: string, except?: string): Promise<string[]> {
  const ids = (await liveSessionIds(deps, userId)).filter((id) => id !== except)
  if (ids.length === 0) return ids
  await deps.store.db
    .updateTable('sessions')
    .set({ revoked_at: deps.clock.now() })
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .execute()
  return ids
}

/** Ids of a user's sessions that are neither revoked nor expired. */
export async function liveSessionIds(deps: Pick<Deps, 'store' | 'clock'>, userId: string): Promise<string[]> {
  const rows = await deps.store.db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', deps.clock.now())
    .execute()
  return rows.map((r) => r.id)
}
