/**
 * Retracting what a user no longer sees. A checkpoint carries the visibility class it was made under;
 * when a pull arrives with another class (the user left a team, lost the admin role) it starts over from
 * the beginning, and its first page also carries tombstones for the documents of the teams the user no
 * longer reaches, so they leave the client's replica. The class → teams mapping is remembered here the
 * first time a class is used (one small row per distinct team set).
 */
import { type Kysely, sql } from 'kysely'
import type { SyncCollection, SyncDocument } from '../../core/sync/protocol'
import { tombstoneDoc } from '../../core/sync/tombstones'
import { classOf, isAdmin, type Viewer } from './access'
import type { SyncDatabase } from './tables'

const remembered = new Set<string>()

/** Records the viewer's class and its teams (once per class and process). */
export async function rememberScope(db: Kysely<SyncDatabase>, v: Viewer): Promise<void> {
  const scope = classOf(v)
  if (remembered.has(scope)) return
  await db
    .insertInto('sync_scopes')
    .values({ scope, admin: isAdmin(v) ? 1 : 0, teams: JSON.stringify([...v.teams.keys()].sort()) })
    .onConflict((oc) => oc.column('scope').doNothing())
    .execute()
  remembered.add(scope)
}

/** Teams reached then but not now: a list, or "all but these" after losing the admin role. */
type Lost = { all: true; except: string[] } | string[]

/** The teams an old scope reached that the viewer does not reach now; undefined when unknown or none. */
async function lostTeams(db: Kysely<SyncDatabase>, v: Viewer, old: string): Promise<Lost | undefined> {
  if (isAdmin(v)) return undefined
  const row = await db.selectFrom('sync_scopes').selectAll().where('scope', '=', old).executeTakeFirst()
  if (!row) return undefined
  const now = [...v.teams.keys()]
  if (row.admin === 1) return { all: true, except: now }
  const lost = (JSON.parse(row.teams) as string[]).filter((t) => !v.teams.has(t))
  return lost.length ? lost : undefined
}

/** Team-scoped collections and where their documents' team is. */
const TEAM_TABLES: Partial<Record<SyncCollection, Array<{ table: string; team: string; join?: string }>>> = {
  alerts: [{ table: 'alerts', team: 'alerts.team_id' }],
  schedules: [{ table: 'schedules', team: 'schedules.team_id' }],
  overrides: [{ table: 'schedule_overrides', team: 'schedules.team_id', join: 'schedules' }],
  escalationPolicies: [{ table: 'escalation_policies', team: 'escalation_policies.team_id' }],
  routingRules: [{ table: 'routing_rules', team: 'routing_rules.team_id' }],
  integrations: [{ table: 'integrations', team: 'integrations.team_id' }],
  monitoring: [
    { table: 'heartbeats', team: 'heartbeats.team_id' },
    { table: 'maintenance_windows', team: 'maintenance_windows.team_id' },
  ],
}

/**
 * Tombstones for the collection's documents in teams the viewer reached under the old scope but not now.
 * (alertLogs are left to the client: they belong to alerts, which are retracted.)
 */
export async function retracted(
  db: Kysely<SyncDatabase>,
  v: Viewer,
  collection: SyncCollection,
  oldScope: string | undefined,
): Promise<SyncDocument[]> {
  const tables = TEAM_TABLES[collection]
  if (!tables || !oldScope) return []
  const lost = await lostTeams(db, v, oldScope)
  if (!lost) return []
  const out: SyncDocument[] = []
  for (const t of tables) for (const id of await lostIds(db, t, lost)) out.push(tombstoneDoc(collection, id))
  return out
}

async function lostIds(
  db: Kysely<SyncDatabase>,
  t: { table: string; team: string; join?: string },
  lost: Lost,
): Promise<string[]> {
  const from =
    t.join === 'schedules'
      ? sql`${sql.table(t.table)} join schedules on schedules.id = ${sql.ref(`${t.table}.schedule_id`)}`
      : sql`${sql.table(t.table)}`
  const where = Array.isArray(lost)
    ? sql`${sql.ref(t.team)} in (${sql.join(lost)})`
    : lost.except.length
      ? sql`${sql.ref(t.team)} is not null and ${sql.ref(t.team)} not in (${sql.join(lost.except)})`
      : sql`${sql.ref(t.team)} is not null`
  const rows = await sql<{
    id: string
  }>`select ${sql.ref(`${t.table}.id`)} as id from ${from} where ${where}`.execute(db)
  return rows.rows.map((r) => r.id)
}
