import type { Kysely } from 'kysely'
import { isAccountAdmin, type Principal } from '../../auth/principal'
import type { Database } from '../../store/schema'
import { ApiError } from '../envelope'
import { UNPROCESSABLE } from './access'

const invalid = (message: string) => new ApiError(422, UNPROCESSABLE, { ownerTeam: message })

/** The team an Opsgenie `ownerTeam` reference names (id first, then name), or 422 naming ownerTeam. */
export async function resolveOwnerTeam(
  db: Kysely<Database>,
  ref: { id?: string; name?: string },
): Promise<string> {
  if (ref.id === undefined && ref.name === undefined) throw invalid('needs an id or a name')
  const team = await db
    .selectFrom('teams')
    .select('id')
    .$if(ref.id !== undefined, (q) => q.where('id', '=', ref.id as string))
    .$if(ref.id === undefined, (q) => q.where('name', '=', ref.name as string))
    .executeTakeFirst()
  if (!team) throw invalid(`team ${ref.id ?? ref.name} does not exist`)
  return team.id
}

/**
 * The owner team of a new heartbeat, schedule or escalation that names none: the key's team, else a team
 * the user administers, else their first team, else (for account admins) the oldest team.
 */
export async function defaultOwnerTeam(db: Kysely<Database>, p: Principal): Promise<string> {
  if (p.kind === 'key') return p.teamId
  for (const [teamId, role] of p.teams) if (role === 'admin') return teamId
  const first = p.teams.keys().next()
  if (!first.done) return first.value
  if (isAccountAdmin(p)) {
    const any = await db.selectFrom('teams').select('id').orderBy('created_at').executeTakeFirst()
    if (any) return any.id
  }
  throw invalid('is required: you belong to no team')
}
