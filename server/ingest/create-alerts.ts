import type { Insertable, Transaction } from 'kysely'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { newId } from '../../core/ids/ids'
import type { Clock } from '../../core/time/clock'
import type { AlertRouter, Prepared, RoutingBatch } from '../engine/escalation/routing'
import type { Metrics } from '../metrics'
import type { AlertsTable, Database, EscalationRunsTable } from '../store/schema'
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
      const routing = router ? await router.begin(trx) : undefined
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
      if (routing) await routeCreated(trx, batch, routing, created, now)
      return items.map((it) => outcomes.get(it.id) as CreateOutcome)
    },
  }
}

/** Runs per insert: eight columns each, far below SQLite's bound-parameter cap. */
const RUN_CHUNK = 500

/** Routes the alerts a batch created and inserts their escalation runs, in the batch's transaction. */
async function routeCreated(
  trx: Transaction<Database>,
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
  for (let i = 0; i < runs.length; i += RUN_CHUNK) {
    await trx
      .insertInto('escalation_runs')
      .values(runs.slice(i, i + RUN_CHUNK))
      .execute()
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
  const rows: Insertable<AlertsTable>[] = []
  for (const { input, id, alias } of chunk) {
    const a = input.alert
    rows.push({
      id,
      tiny_id: await batch.next('tiny_id'),
      team_id: input.teamId,
      integration_id: input.integrationId,
      alias,
      open_alias: alias,
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
      change_seq: await batch.next('change_seq'),
    })
  }
  // The unique (team_id, open_alias) index decides create-or-dedup, also against other instances.
  const returned = await trx
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
  // RETURNING order is not promised on PostgreSQL: match rows by (team, alias), unique in a round.
  const byKey = new Map(returned.map((r) => [`${r.team_id}\u0000${r.alias}`, r]))
  for (const item of chunk) {
    const { input, id, teamId, alias } = item
    const row = byKey.get(`${teamId}\u0000${alias}`)
    if (!row) throw new Error(`upsert returned no row for alias ${alias}`)
    const a = input.alert
    const created = row.id === id
    metrics.alertsIngested.inc({ outcome: created ? 'created' : 'deduplicated' })
    if (created) {
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
      metrics.dedupHits.inc()
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
}
