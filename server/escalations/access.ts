import { forbidden, requireTeamManager } from '../auth/authorize'
import { isAccountAdmin, type Principal } from '../auth/principal'

/*
 * Access to team-owned configuration (escalations, routing rules): keys need configuration access to
 * change and read access to read, and act only on their own team's objects; owners and admins reach
 * everything; team admins change their team's; team members and observers read their teams'.
 */

/** Keys reading configuration need the read flag. */
export function requireConfigRead(p: Principal): void {
  if (p.kind === 'key' && !p.access.read) throw forbidden('Key does not have read access')
}

/** May the principal see the team's configuration? (Callers answer 404 when not.) */
export function canReadTeam(p: Principal, teamId: string): boolean {
  if (p.kind === 'key') return p.teamId === teamId
  return isAccountAdmin(p) || p.teams.has(teamId)
}

/** 403 unless the principal may change the team's configuration. */
export function requireConfigChange(p: Principal, teamId: string, access: 'write' | 'delete'): void {
  requireTeamManager(p, teamId, access)
}

/** The team ids a principal reads, or undefined for all. */
export function readableTeams(p: Principal): string[] | undefined {
  if (p.kind === 'key') return [p.teamId]
  if (isAccountAdmin(p)) return undefined
  return [...p.teams.keys()]
}
