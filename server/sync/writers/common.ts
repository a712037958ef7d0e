import type { Kysely } from 'kysely'
import { ApiError } from '../../api/envelope'
import type { Database } from '../../store/schema'
import { isAdmin, type Viewer } from '../access'
import type { SyncDatabase } from '../tables'

/** A refusal's text from an HTTP-layer error: its message and field errors, as a client can show them. */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined
  const fields = Object.entries(err.errors ?? {}).map(([k, v]) => `${k}: ${v}`)
  return fields.length ? `${err.message} (${fields.join('; ')})` : err.message
}

/** Runs a check that throws the HTTP layer's ApiError; returns its reason instead. */
export function refusalOf(check: () => void): string | undefined {
  try {
    check()
    return undefined
  } catch (err) {
    const reason = reasonOf(err)
    if (reason === undefined) throw err
    return reason
  }
}

/** The same handle typed as the rest of the server sees it (for shared store functions and audit). */
export function plain(db: Kysely<SyncDatabase>): Kysely<Database> {
  return db as unknown as Kysely<Database>
}

/** True when the viewer sees the team's configuration. */
export const seesTeam = (teamId: string) => (v: Viewer) => isAdmin(v) || v.teams.has(teamId)

/** Undefined when every id names a user, else a reason. */
export async function missingUsers(
  db: Kysely<SyncDatabase>,
  ids: Iterable<string>,
): Promise<string | undefined> {
  const wanted = [...new Set(ids)]
  if (wanted.length === 0) return undefined
  const found = await db.selectFrom('users').select('id').where('id', 'in', wanted).execute()
  const have = new Set(found.map((r) => r.id))
  const missing = wanted.filter((id) => !have.has(id))
  return missing.length ? `Unknown user ${missing.join(', ')}` : undefined
}

/** Undefined when the team exists, else a reason. */
export async function missingTeam(db: Kysely<SyncDatabase>, teamId: string): Promise<string | undefined> {
  const t = await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()
  return t ? undefined : `Team ${teamId} does not exist`
}
