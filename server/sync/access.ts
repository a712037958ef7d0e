/** Who sees and may change which replicated document (issue 4 §2 "Authorization"). */

import { createHash } from 'node:crypto'
import type { SyncCollection } from '../../core/sync/protocol'
import type { UserPrincipal } from '../auth/principal'

/** The signed-in user a socket acts for (a session principal; keys cannot replicate). */
export type Viewer = UserPrincipal

/** Who may see one document: everyone, the members of a team (and account admins), or one user. */
export type Audience = { kind: 'all' } | { kind: 'team'; teamId: string } | { kind: 'user'; userId: string }

/** Owners and admins see and change everything. */
export function isAdmin(v: Viewer): boolean {
  return v.role === 'owner' || v.role === 'admin'
}

/** The teams whose documents the viewer sees; undefined means every team. */
export function viewerTeams(v: Viewer): string[] | undefined {
  return isAdmin(v) ? undefined : [...v.teams.keys()]
}

/** True when the viewer may see a document with this audience. */
export function mayRead(v: Viewer, a: Audience): boolean {
  if (a.kind === 'all') return true
  if (a.kind === 'user') return a.userId === v.userId
  return isAdmin(v) || v.teams.has(a.teamId)
}

/** The Socket.IO rooms a document with this audience is streamed to. */
export function roomsFor(a: Audience): string[] {
  if (a.kind === 'all') return [ROOM_ALL]
  if (a.kind === 'user') return [`user:${a.userId}`]
  return [ROOM_ADMINS, `team:${a.teamId}`]
}

/** Rooms a viewer's socket joins: everything it may see arrives through one of them. */
export function roomsOf(v: Viewer): string[] {
  const rooms = [ROOM_ALL, `user:${v.userId}`, `session:${v.sessionId}`]
  if (isAdmin(v)) rooms.push(ROOM_ADMINS)
  for (const t of v.teams.keys()) rooms.push(`team:${t}`)
  return rooms
}

/** Every socket is in this room (documents everyone sees: users, teams, global windows). */
export const ROOM_ALL = 'all'
/** Owners' and admins' sockets (every team's documents). */
export const ROOM_ADMINS = 'admins'

/** Why the viewer may not write to a collection at all, or undefined (row checks come later). */
export function collectionWriteRefusal(v: Viewer, collection: SyncCollection): string | undefined {
  if (v.role === 'observer') return 'Observers have read-only access'
  if (collection === 'alertCommands' || collection === 'me') return undefined
  if (collection === 'schedules' || collection === 'overrides') return undefined
  if (collection === 'escalationPolicies' || collection === 'routingRules') return undefined
  return `${collection} is read-only over sync; change it through the HTTP API`
}

/** Why the viewer may not change the team's schedules, policies and routing rules, or undefined. */
export function teamConfigRefusal(v: Viewer, teamId: string): string | undefined {
  if (v.role === 'observer') return 'Observers have read-only access'
  if (isAdmin(v) || v.teams.get(teamId) === 'admin') return undefined
  return 'Only account admins and admins of this team may do this'
}

/**
 * The viewer's visibility class: viewers with the same class see the same team documents, so one stream
 * message per class serves them all. Also the checkpoint's `scope`: a pull whose checkpoint was made under
 * another class starts over.
 */
export function classOf(v: Viewer): string {
  if (isAdmin(v)) return 'admin'
  const teams = [...v.teams.keys()].sort().join(',')
  return `t:${createHash('sha256').update(teams).digest('base64url').slice(0, 16)}`
}
