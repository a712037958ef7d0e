import { ApiError } from '../api/envelope'
import type { AppDeps } from '../deps'
import type { IntegrationsTable } from '../store/schema'
import { TtlCache } from './cache'
import { findIntegrationByKeyHash } from './keys'
import type { KeyPrincipal, Principal, UserPrincipal } from './principal'
import { findSession, userTeams } from './sessions'
import { hashToken } from './tokens'

/** Resolves the Authorization header to a principal; the hot path of every authenticated request. */
export interface Authenticator {
  authenticate(header: string | undefined): Promise<Principal | ApiError>
  /** Drops cached state for an integration changed on this instance (key rotated, disabled, deleted...). */
  forgetIntegration(integrationId: string): void
  /** Drops cached state for a session (logout, revocation, a change to its user or their teams). */
  forgetSession(sessionId: string): void
}

/** Cache sizes and lifetimes; the TTL bounds how long a change made by another instance goes unseen. */
export const AUTH_CACHE = {
  maxEntries: 10_000,
  ttlMs: 5_000,
  /** Unknown credentials are remembered briefly so a client retrying a dead key costs no queries. */
  negativeTtlMs: 2_000,
  /** Longer values cannot be keys or tokens we issued; refuse them without hashing or querying. */
  maxCredentialLength: 512,
} as const

const COULD_NOT_AUTHENTICATE = 'Could not authenticate'

interface KeyEntry {
  integrationId: string
  result: KeyPrincipal | ApiError
}

interface SessionEntry {
  sessionId: string
  /** The session's own expiry; a cached principal must not outlive it. */
  expiresAt: number
  result: UserPrincipal | ApiError
}

/** Builds the authenticator with its in-memory caches, all timed by deps.clock. */
export function createAuthenticator(deps: AppDeps): Authenticator {
  const { clock } = deps
  const db = () => deps.store.db
  const keys = new TtlCache<string, KeyEntry>(clock, AUTH_CACHE.maxEntries, AUTH_CACHE.ttlMs)
  const sessions = new TtlCache<string, SessionEntry>(clock, AUTH_CACHE.maxEntries, AUTH_CACHE.ttlMs)
  // Unknown credentials live apart so a flood of random keys cannot push real ones out of the cache.
  const unknown = new TtlCache<string, true>(clock, AUTH_CACHE.maxEntries, AUTH_CACHE.negativeTtlMs)
  // Concurrent misses on one credential share one query (a TTL expiry under 20k req/s is a stampede).
  const pendingKeys = new Map<string, Promise<KeyEntry | undefined>>()
  const pendingSessions = new Map<string, Promise<SessionEntry | undefined>>()
  // Bumped by every forget: a lookup that started before it must not put its stale answer in the cache.
  let generation = 0

  const unauthorized = new ApiError(401, COULD_NOT_AUTHENTICATE)

  async function loadKey(hash: string): Promise<KeyEntry | undefined> {
    const gen = generation
    const row = await findIntegrationByKeyHash(db(), hash)
    const entry = row ? { integrationId: row.id, result: keyResult(row) } : undefined
    if (gen === generation) {
      if (entry) keys.set(hash, entry)
      else unknown.set(`k:${hash}`, true)
    }
    return entry
  }

  async function loadSession(hash: string): Promise<SessionEntry | undefined> {
    const gen = generation
    const s = await findSession(db(), hash)
    if (!s) {
      if (gen === generation) unknown.set(`s:${hash}`, true)
      return undefined
    }
    let result: UserPrincipal | ApiError
    if (s.revokedAt !== null) result = new ApiError(401, 'Session has been revoked')
    else if (s.blocked) result = new ApiError(401, 'User is blocked')
    else {
      result = {
        kind: 'user',
        userId: s.userId,
        username: s.username,
        role: s.role,
        sessionId: s.id,
        teams: await userTeams(db(), s.userId),
      }
    }
    const entry = { sessionId: s.id, expiresAt: s.expiresAt, result }
    if (gen === generation) sessions.set(hash, entry)
    return entry
  }

  function shared<T>(pending: Map<string, Promise<T>>, hash: string, load: (h: string) => Promise<T>) {
    let p = pending.get(hash)
    if (!p) {
      p = load(hash).finally(() => pending.delete(hash))
      pending.set(hash, p)
    }
    return p
  }

  async function byKey(key: string): Promise<Principal | ApiError> {
    const hash = hashToken(key)
    const hit = keys.get(hash)
    if (hit) return hit.result
    if (unknown.get(`k:${hash}`)) return unauthorized
    const entry = await shared(pendingKeys, hash, loadKey)
    return entry ? entry.result : unauthorized
  }

  async function byToken(token: string): Promise<Principal | ApiError> {
    const hash = hashToken(token)
    let entry = sessions.get(hash)
    if (!entry) {
      if (unknown.get(`s:${hash}`)) return unauthorized
      entry = await shared(pendingSessions, hash, loadSession)
      if (!entry) return unauthorized
    }
    if (entry.expiresAt <= clock.now()) return new ApiError(401, 'Session has expired')
    return entry.result
  }

  return {
    async authenticate(header) {
      const cred = parseAuthorization(header)
      if (!cred || cred.value.length > AUTH_CACHE.maxCredentialLength) return unauthorized
      return cred.scheme === 'geniekey' ? byKey(cred.value) : byToken(cred.value)
    },
    forgetIntegration(integrationId) {
      generation++
      pendingKeys.clear()
      keys.deleteWhere((e) => e.integrationId === integrationId)
      // A rotated-out or deleted key may now be unknown, and a new key may have been remembered as unknown.
      unknown.clear()
    },
    forgetSession(sessionId) {
      generation++
      pendingSessions.clear()
      sessions.deleteWhere((e) => e.sessionId === sessionId)
    },
  }
}

function keyResult(row: IntegrationsTable): KeyPrincipal | ApiError {
  if (!row.enabled) return new ApiError(401, 'Integration is disabled')
  return {
    kind: 'key',
    integrationId: row.id,
    integrationName: row.name,
    integrationType: row.type,
    teamId: row.team_id,
    access: {
      read: Boolean(row.allow_read),
      write: Boolean(row.allow_write),
      delete: Boolean(row.allow_delete),
      configuration: Boolean(row.allow_configuration),
    },
    rateLimitPerMinute: Number(row.rate_limit_per_minute),
  }
}

/** Splits `GenieKey <key>` / `Bearer <token>` (schemes case-insensitive); anything else is undefined. */
export function parseAuthorization(
  header: string | undefined,
): { scheme: 'geniekey' | 'bearer'; value: string } | undefined {
  if (!header) return undefined
  const text = header.trim()
  const space = text.indexOf(' ')
  if (space <= 0) return undefined
  const scheme = text.slice(0, space).toLowerCase()
  const value = text.slice(space + 1).trim()
  if (value === '' || /\s/.test(value)) return undefined
  if (scheme === 'geniekey' || scheme === 'bearer') return { scheme, value }
  return undefined
}
