/**
 * Reading changes without ever skipping one. Every write to a replicated table takes its change_seq from
 * the `counters` row 'change_seq' inside its transaction (migration 013, group commit), so writers
 * serialize on that row and sequence order is commit order. Reading the counter's committed value first
 * gives a high-water mark H: every transaction holding a value <= H has committed, so rows in (after, H]
 * are all visible to the statements that follow, whichever connection runs them, and a checkpoint never
 * moves past a row that is still to commit.
 */
import { type Kysely, sql } from 'kysely'
import type { SyncCollection } from '../../core/sync/protocol'
import { tombstoneDoc } from '../../core/sync/tombstones'
import type { Viewer } from './access'
import { isAdmin } from './access'
import { SOURCES } from './sources/index'
import { ALL, type Change, mergeChanges, teamAudience, userAudience } from './sources/source'
import type { SyncDatabase } from './tables'

/** The committed change sequence: every change at or below it is visible. */
export async function highWater(db: Kysely<SyncDatabase>): Promise<number> {
  const row = await db
    .selectFrom('counters')
    .select('value')
    .where('name', '=', 'change_seq')
    .executeTakeFirst()
  return Number(row?.value ?? 0)
}

/** Deleted documents of a collection in (after, upTo], as `_deleted` documents, filtered for a viewer. */
export async function tombstones(
  db: Kysely<SyncDatabase>,
  collection: SyncCollection,
  after: number,
  upTo: number,
  limit: number,
  viewer?: Viewer,
): Promise<Change[]> {
  let q = db
    .selectFrom('sync_tombstones')
    .selectAll()
    .where('collection', '=', collection)
    .where('change_seq', '>', after)
    .where('change_seq', '<=', upTo)
  if (viewer && !isAdmin(viewer)) {
    const teams = [...viewer.teams.keys()]
    q = q.where((eb) =>
      eb.or([
        eb('user_id', '=', viewer.userId),
        eb.and([eb('user_id', 'is', null), eb('team_id', 'is', null)]),
        ...(teams.length ? [eb('team_id', 'in', teams)] : []),
      ]),
    )
  } else if (viewer) {
    // Admins see every team's deletions, but another user's `me` and commands stay theirs.
    q = q.where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', viewer.userId)]))
  }
  const rows = await q.orderBy('change_seq').limit(limit).execute()
  return rows.map((r) => ({
    seq: Number(r.change_seq),
    doc: tombstoneDoc(collection, r.id),
    audience:
      r.user_id !== null ? userAudience(r.user_id) : r.team_id !== null ? teamAudience(r.team_id) : ALL,
  }))
}

/**
 * A collection's changes (documents and tombstones) in (after, upTo], in order, at most `limit`. `only`
 * skips the documents or the tombstones when a probe showed there are none.
 */
export async function changesOf(
  db: Kysely<SyncDatabase>,
  collection: SyncCollection,
  after: number,
  upTo: number,
  limit: number,
  viewer?: Viewer,
  only: { docs: boolean; tombs: boolean } = { docs: true, tombs: true },
): Promise<Change[]> {
  const [docs, gone] = await Promise.all([
    only.docs ? SOURCES[collection].changed(db, after, upTo, limit, viewer) : [],
    only.tombs ? tombstones(db, collection, after, upTo, limit, viewer) : [],
  ])
  return mergeChanges([docs, gone], limit)
}

/** The tables each collection's documents live in (tombstones aside). */
const TABLES: { readonly [C in SyncCollection]: readonly string[] } = {
  alerts: ['alerts'],
  alertLogs: ['alert_logs'],
  alertCommands: ['sync_commands'],
  teams: ['teams'],
  users: ['users'],
  schedules: ['schedules'],
  overrides: ['schedule_overrides'],
  escalationPolicies: ['escalation_policies'],
  routingRules: ['routing_rules'],
  integrations: ['integrations'],
  monitoring: ['heartbeats', 'maintenance_windows'],
  me: ['contacts', 'notification_rules'],
}

/** What a feed tick needs to know: the committed mark, and which collections changed below it. */
export interface Probe {
  mark: number
  /** Collections with changed documents in (after, mark]. */
  docs: Set<SyncCollection>
  /** Collections with deletions in (after, mark]. */
  tombs: Set<SyncCollection>
}

/**
 * The committed mark and which collections changed after `after`, in ONE statement of indexed EXISTS
 * probes: an idle tick costs one round trip, a busy one reads only what changed. One statement sees one
 * snapshot, so the mark and the probes agree (a row is visible only if its transaction, and every one
 * with a smaller sequence value, committed).
 */
export async function probe(db: Kysely<SyncDatabase>, after: number): Promise<Probe> {
  const mark = sql`(select value from counters where name = 'change_seq')`
  const parts = Object.entries(TABLES).flatMap(([collection, tables]) =>
    tables.map(
      (t) =>
        sql`select ${collection} as c, 'd' as k where exists (select 1 from ${sql.table(t)} where change_seq > ${after} and change_seq <= ${mark})`,
    ),
  )
  parts.push(
    sql`select distinct collection as c, 't' as k from sync_tombstones where change_seq > ${after} and change_seq <= ${mark}`,
  )
  parts.push(sql`select cast(value as text) as c, 'm' as k from counters where name = 'change_seq'`)
  const rows = (
    await sql<{ c: string; k: 'd' | 't' | 'm' }>`${sql.join(parts, sql` union all `)}`.execute(db)
  ).rows
  const out: Probe = { mark: after, docs: new Set(), tombs: new Set() }
  for (const r of rows) {
    if (r.k === 'm') out.mark = Number(r.c)
    else (r.k === 'd' ? out.docs : out.tombs).add(r.c as SyncCollection)
  }
  return out
}
