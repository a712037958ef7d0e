import { ApiError } from '../api/envelope'
import type { KeyPrincipal, Principal, UserPrincipal } from './principal'
import { isAccountAdmin } from './principal'

/** What a request does to the object it touches; keys need the matching access flag. */
export type Access = 'read' | 'write' | 'delete'

/** 403 with Opsgenie's meaning "the key or user lacks permission". */
export function forbidden(message = 'You are not allowed to perform this action'): ApiError {
  return new ApiError(403, message)
}

/**
 * Checks an integration key against a configuration (admin) route: it needs configuration access plus
 * the flag for the kind of request, as Opsgenie's integration keys do.
 */
export function requireKeyAccess(p: KeyPrincipal, access: Access): void {
  if (!p.access.configuration) throw forbidden('Key does not have configuration access')
  if (!p.access[access]) throw forbidden(`Key does not have ${access} access`)
}

/** Returns the user principal, or 403 for keys (for routes that only make sense for people). */
export function requireUser(
  p: Principal,
  message = 'Integration keys cannot use this endpoint',
): UserPrincipal {
  if (p.kind !== 'user') throw forbidden(message)
  return p
}

/** Owners and admins manage the whole account; everyone else gets 403. */
export function requireAccountAdmin(p: Principal): UserPrincipal {
  if (p.kind === 'user' && isAccountAdmin(p)) return p
  if (p.kind === 'key') requireKeyAccess(p, 'write')
  throw forbidden('Only owners and admins may do this')
}

/** True when the principal may see everything read-only (account admins and observers). */
export function readsEverything(p: Principal): boolean {
  return p.kind === 'user' && (p.role === 'owner' || p.role === 'admin' || p.role === 'observer')
}

/**
 * May the principal manage the team's members and integrations? Account admins, the team's admins and
 * keys of that team with configuration access (plus the access flag) may; observers never write.
 */
export function requireTeamManager(p: Principal, teamId: string, access: Access): void {
  if (p.kind === 'key') {
    requireKeyAccess(p, access)
    if (p.teamId !== teamId) throw forbidden("Keys may only manage their own team's objects")
    return
  }
  if (isAccountAdmin(p)) return
  if (p.role !== 'observer' && p.teams.get(teamId) === 'admin') return
  throw forbidden('Only account admins and admins of this team may do this')
}

/** May the principal read the team's details, members and integrations? */
export function requireTeamReader(p: Principal, teamId: string): void {
  if (p.kind === 'key') {
    requireKeyAccess(p, 'read')
    if (p.teamId !== teamId) throw forbidden("Keys may only read their own team's objects")
  }
  // Users and observers may read every team (the brief: users read users and teams).
}
