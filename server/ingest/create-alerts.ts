import type { Insertable, Transaction } from 'kysely'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { newId } from '../../core/ids/ids'
import type { Clock } from '../../core/time/clock'
import type { AlertRouter, Prepared, RoutingBatch } from '../engine/escalation/routing'
import type { Metrics } from '../metrics'
import type { AlertsTable, Database, EscalationRunsTable } from '../store/schema'
import type { Prepare } from '../store/sqlite'
import { insertReturning } from '../store/sqlite-rows'
import type { Batch, WriteGroup } from './group-commit'

/** One queued create request. */
export interface CreateInput {
  alert: NormalizedAlert
  teamId: string
  integrationId: string | null
  requestId: string
}

/** What a create did: a new alert, or the count raised on the open alert with the same alias. */
export interface CreateOutcome {
  requestId: string
  action: 'Create'
  success: true
  status: 'Created alert' | 'Alert deduplicated'
  alertId: string
  alias: string
}

/** Rows per multi-row upsert: 30 columns each keeps SQLite under its 32,766 bound-parameter cap. */
const UPSERT_CHUNK = 500

/**
 * Splits inputs so that no (team, alias) repeats within a round: one statement may not touch the same
 * row twice on PostgreSQL, and repeats must dedup against the alert the earlier one made.
 */
export function dedupRounds<T extends { teamId: string; alias: string }>(items: T[]): T[][] {
  const rounds: T[][] = []
  const seen = new Map<string, number>()
  for (const item of items) {
    const key = `${item.teamId}\u0000${item.alias}`
    const round = seen.get(key) ?? 0
    seen.set(key, round + 1)
    if (!rounds[round]) rounds[round] = []
    rounds[round]?.push(item)
  }
  return rounds
}

/**
 * Creates alerts for many requests with one multi-row upsert per round: a new alias inserts, an open
 * alias raises its count (Opsgenie keeps message and description; the new message goes to the log).
 * With a router, alert policies rewrite each request first (before dedup: they may change the alias), and
 * every alert the batch creates is routed and gets its escalation run in the same transaction.
 */
export function createAlertsGroup(
  clock: Clock,
  metrics: Metrics,
  router?: AlertRouter,
): WriteGroup<CreateInput, CreateOutcome> {
  return {
    async run(trx, batch, inputs) {
      const now = clock.now()
      // PostgreSQL: the routing cache's version check rides on the counter reservation (one round trip).
      const version = router && batch.dialect === 'postgres' ? await batch.reserveWithVersion() : undefined
      const routing = router ? await router.begin(trx, version) : undefined
      const items: Item[] = []
      for (const input of inputs) {
        const id = newId(now)
        const prepared = routing ? await routing.prepare(input.alert, input.teamId, now) : undefined
        const alert = prepared?.alert ?? input.alert
        items.push({
          input: { ...input, alert },
          id,
          teamId: input.teamId,
          alias: alert.alias ?? id,
          prepared,
        })
      }
      const outcomes = new Map<string, CreateOutcome>()
      const created: Item[] = []
      for (const round of dedupRounds(items)) {
        for (let i = 0; i < round.length; i += UPSERT_CHUNK) {
          await upsertChunk(trx, batch, round.slice(i, i + UPSERT_CHUNK), now, metrics, outcomes, created)
        }
      }
      if (routing) await routeCreated(batch, routing, created, now)
      return items.map((it) => outcomes.get(it.id) as CreateOutcome)
    },
  }
}

/** Routes the alerts a batch created and queues their escalation runs, written with the batch's side rows. */
async function routeCreated(
  batch: Batch,
  routing: RoutingBatch,
  created: Item[],
  now: number,
): Promise<void> {
  const runs: Insertable<EscalationRunsTable>[] = []
  for (const it of created) {
    const prepared = it.prepared ?? { alert: it.input.alert, applied: [], paused: [] }
    const run = await routing.route(
      batch,
      { id: it.id, teamId: it.teamId, integrationId: it.input.integrationId, prepared },
      now,
    )
    if (run) runs.push(run)
  }
  batch.add('escalation_runs', runs)
}

type Returned = { id: string; count: number; alias: string; team_id: string }

/** The same upsert as the Kysely one below, for SQLite's per-row prepared statement (excluded = the new row). */
const SQLITE_UPSERT =
  'on conflict ("team_id", "open_alias") do update set "count" = "alerts"."count" + 1, ' +
  '"last_occurred_at" = excluded."last_occurred_at", "updated_at" = excluded."updated_at", ' +
  '"change_seq" = excluded."change_seq" returning "id", "count", "alias", "team_id"'

/** SQLite's dedup: raise the open alert's count; no row back means the alias is new. */
const SQLITE_DEDUP =
  'update "alerts" set "count" = "count" + 1, "last_occurred_at" = ?, "updated_at" = ?, "change_seq" = ? ' +
  'where "team_id" = ? and "open_alias" = ? returning "id", "count", "alias", "team_id"'

/**
 * SQLite, one row at a time on cached statements: most creates repeat an open alias, so try the dedup
 * update first and build the full row only for a new alert (one writer, so nothing comes in between).
 */
async function sqliteUpsert(prepare: Prepare, batch: Batch, chunk: Item[], now: number): Promise<Returned[]> {
  const out: Returned[] = []
  for (const item of chunk) {
    const seq = await batch.next('change_seq')
    const hit = prepare(SQLITE_DEDUP).get(now, now, seq, item.teamId, item.alias) as Returned | undefined
    if (hit) {
      out.push(hit)
      continue
    }
    const row = alertRow(item, await batch.next('tiny_id'), seq, now)
    const created = insertReturning<Returned>(prepare, 'alerts', row, SQLITE_UPSERT)
    if (created) out.push(created)
  }
  return out
}

/** PostgreSQL: one multi-row upsert for the chunk (one round trip). */
async function pgUpsert(trx: Transaction<Database>, batch: Batch, chunk: Item[], now: number) {
  const rows: Insertable<AlertsTable>[] = []
  for (const item of chunk)
    rows.push(alertRow(item, await batch.next('tiny_id'), await batch.next('change_seq'), now))
  return trx
    .insertInto('alerts')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['team_id', 'open_alias']).doUpdateSet((eb) => ({
        count: eb('alerts.count', '+', 1),
        last_occurred_at: now,
        updated_at: now,
        change_seq: eb.ref('excluded.change_seq'),
      })),
    )
    .returning(['id', 'count', 'alias', 'team_id'])
    .execute()
}

/** The row a create inserts when its alias is not open yet. */
function alertRow(item: Item, tinyId: number, changeSeq: number, now: number): Insertable<AlertsTable> {
  const a = item.input.alert
  return {
    id: item.id,
    tiny_id: tinyId,
    team_id: item.teamId,
    integration_id: item.input.integrationId,
    alias: item.alias,
    open_alias: item.alias,
    message: a.message,
    description: a.description,
    status: 'open',
    acknowledged: 0,
    is_seen: 0,
    snoozed: 0,
    snoozed_until: null,
    count: 1,
    last_occurred_at: now,
    created_at: now,
    updated_at: now,
    source: a.source,
    entity: a.entity,
    owner: '',
    priority: a.priority,
    tags: JSON.stringify(a.tags),
    details: JSON.stringify(a.details),
    actions: JSON.stringify(a.actions),
    responders: JSON.stringify(a.responders),
    visible_to: JSON.stringify(a.visibleTo),
    ack_time: null,
    close_time: null,
    acknowledged_by: '',
    closed_by: '',
    change_seq: changeSeq,
  }
}

type Item = { input: CreateInput; id: string; teamId: string; alias: string; prepared?: Prepared }

async function upsertChunk(
  trx: Transaction<Database>,
  batch: Batch,
  chunk: Item[],
  now: number,
  metrics: Metrics,
  outcomes: Map<string, CreateOutcome>,
  createdItems: Item[],
): Promise<void> {
  // The unique (team_id, open_alias) index decides create-or-dedup, also against other instances.
  const returned = batch.prepare
    ? await sqliteUpsert(batch.prepare, batch, chunk, now)
    : await pgUpsert(trx, batch, chunk, now)
  // RETURNING order is not promised on PostgreSQL: match rows by (team, alias), unique in a round.
  const byKey = new Map<string, Returned>()
  for (const r of returned) if (r) byKey.set(`${r.team_id}\u0000${r.alias}`, r)
  let made = 0
  for (const item of chunk) {
    const { input, id, teamId, alias } = item
    const row = byKey.get(`${teamId}\u0000${alias}`)
    if (!row) throw new Error(`upsert returned no row for alias ${alias}`)
    const a = input.alert
    const created = row.id === id
    if (created) {
      made++
      createdItems.push(item)
      batch.add(
        'alert_tags',
        a.tags.map((tag) => ({ alert_id: id, tag })),
      )
      batch.add(
        'alert_details',
        Object.entries(a.details).map(([key, value]) => ({ alert_id: id, key, value })),
      )
      if (a.note) batch.add('alert_notes', [{ alert_id: id, created_at: now, owner: a.user, note: a.note }])
      const via = a.source ? ` via ${a.source}` : ''
      batch.log({ alert_id: id, created_at: now, type: 'create', owner: a.user, log: `Alert created${via}` })
      for (const notice of a.notices) {
        batch.log({ alert_id: id, created_at: now, type: 'notice', owner: 'system', log: notice })
      }
    } else {
      batch.log({
        alert_id: row.id,
        created_at: now,
        type: 'deduplicate',
        owner: a.user,
        log: `Alert occurred again (count ${row.count}): ${a.message}`,
      })
    }
    const outcome: CreateOutcome = {
      requestId: input.requestId,
      action: 'Create',
      success: true,
      status: created ? 'Created alert' : 'Alert deduplicated',
      alertId: row.id,
      alias: row.alias,
    }
    batch.request({
      request_id: input.requestId,
      action: 'Create',
      integration_id: input.integrationId,
      success: 1,
      status: outcome.status,
      alert_id: row.id,
      alias: row.alias,
      processed_at: now,
    })
    outcomes.set(id, outcome)
  }
  // Counted per chunk: a labelled inc per request costs more than it should.
  if (made > 0) metrics.alertsIngested.inc({ outcome: 'created' }, made)
  if (chunk.length > made) {
    metrics.alertsIngested.inc({ outcome: 'deduplicated' }, chunk.length - made)
    metrics.dedupHits.inc(chunk.length - made)
  }
}
