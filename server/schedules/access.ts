/** Who may see and change schedules, and finding the one a request names. */
import type { Kysely } from 'kysely'
import { ApiError } from '../api/envelope'
import { type Access, forbidden, requireTeamManager } from '../auth/authorize'
import type { Principal } from '../auth/principal'
import { scopeOf } from '../ingest/alert-service'
import type { Database } from '../store/schema'
import { type LoadedSchedule, listScheduleRows, loadSchedule, loadSchedules } from './store'

/** 404 for a schedule that does not exist or is out of reach. */
export function scheduleNotFound(identifier: string): ApiError {
  return new ApiError(404, `Schedule with identifier [${identifier}] does not exist`)
}

/** Reading needs a key's read flag (configuration access is only needed to change). */
export function requireScheduleRead(p: Principal): void {
  if (p.kind === 'key' && !p.access.read) throw forbidden('Key does not have read access')
}

/** Keys see their own team's schedules; owners and admins all; users and observers their teams'. */
export function canSeeTeam(p: Principal, teamId: string): boolean {
  const scope = scopeOf(p)
  return scope.all || scope.teamIds.includes(teamId)
}

/** The teams whose schedules the principal sees; undefined means every team. */
export function visibleTeams(p: Principal): string[] | undefined {
  const scope = scopeOf(p)
  return scope.all ? undefined : scope.teamIds
}

/** May the principal change the team's schedules? (Keys: configuration access and their team.) */
export function requireScheduleChange(p: Principal, teamId: string, access: Access): void {
  requireTeamManager(p, teamId, access)
}

/** The `identifierType`-style query parameter: id (default) or name. */
export function identifierTypeOf(query: unknown, param = 'identifierType'): 'id' | 'name' {
  const raw = (query as Record<string, string | undefined>)[param] ?? 'id'
  const t = raw.toLowerCase()
  if (t === 'id' || t === 'name') return t
  throw new ApiError(422, `Invalid ${param}`, { [param]: `must be id or name (got '${raw}')` })
}

/** The schedule the principal may read, or 404 (another team's schedule is as good as absent). */
export async function visibleSchedule(
  db: Kysely<Database>,
  p: Principal,
  identifier: string,
  type: 'id' | 'name',
): Promise<LoadedSchedule> {
  requireScheduleRead(p)
  const loaded = await loadSchedule(db, identifier, type)
  if (!loaded || !canSeeTeam(p, loaded.row.team_id)) throw scheduleNotFound(identifier)
  return loaded
}

/** Every schedule the principal may read, with overrides, ordered by name. */
export async function listVisibleSchedules(db: Kysely<Database>, p: Principal): Promise<LoadedSchedule[]> {
  requireScheduleRead(p)
  return loadSchedules(db, await listScheduleRows(db, visibleTeams(p)))
}
