import type { Role, TeamRole } from '../store/schema'

/** Who is making a request, as every route sees it after authentication. */
export type Principal = UserPrincipal | KeyPrincipal

export interface UserPrincipal {
  kind: 'user'
  userId: string
  username: string
  role: Role
  sessionId: string
  /** team id -> the user's role in it */
  teams: Map<string, TeamRole>
}

/** An integration key: acts only on alerts of its own team, within its access flags. */
export interface KeyPrincipal {
  kind: 'key'
  integrationId: string
  integrationName: string
  integrationType: string
  teamId: string
  access: { read: boolean; write: boolean; delete: boolean; configuration: boolean }
  /** Requests per minute this key may make; 0 = the server default. */
  rateLimitPerMinute: number
}

/** The display name recorded in logs when a body does not name a user. */
export function principalName(p: Principal): string {
  return p.kind === 'user' ? p.username : p.integrationName
}

/** True for roles that may manage the whole account. */
export function isAccountAdmin(p: Principal): boolean {
  return p.kind === 'user' && (p.role === 'owner' || p.role === 'admin')
}
