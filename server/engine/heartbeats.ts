import type { FastifyBaseLogger } from 'fastify'
import type { Selectable, Transaction } from 'kysely'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { newId } from '../../core/ids/ids'
import type { Priority } from '../../core/model/alert'
import { expiryAlertTags, HEARTBEAT_TAG, heartbeatAlias, intervalMs } from '../../core/model/heartbeat'
import type { Clock } from '../../core/time/clock'
import type { AppContext } from '../context'
import { applyAction } from '../ingest/alert-actions'
import { createAlertsGroup } from '../ingest/create-alerts'
import type { Batch } from '../ingest/group-commit'
import type { Dialect } from '../store/dialect'
import type { Database, HeartbeatsTable } from '../store/schema'

/** A heartbeat row as read from the store. */
export type HeartbeatRow = Selectable<HeartbeatsTable>

/** What the heartbeat engine needs from the app: the writer for durable jobs, the store to peek. */
export type HeartbeatDeps = Pick<AppContext, 'writer' | 'store' | 'metrics'> &
  Partial<Pick<AppContext, 'router'>>

/** Heartbeats expired per sweep; the rest wait for the next tick so one sweep never holds the writer long. */
const SWEEP_LIMIT = 500

/** Who the expiry alerts and their closing are attributed to in alert logs. */
const SYSTEM_USER = 'heartbeat'

/** When a row's current interval ends, if it is running. */
export function expiresAt(row: Pick<HeartbeatRow, 'interval' | 'interval_unit' | 'interval_start'>): number {
  return row.interval_start + intervalMs(row.interval, row.interval_unit)
}

/**
 * Reads one heartbeat by name inside a writer transaction. On PostgreSQL the row is locked, so a ping, an
 * edit and another instance's sweep of the same heartbeat take turns instead of writing over each other.
 */
export function lockHeartbeat(
  trx: Transaction<Database>,
  dialect: Dialect,
  name: string,
): Promise<HeartbeatRow | undefined> {
  return trx
    .selectFrom('heartbeats')
    .selectAll()
    .where('name', '=', name)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst()
}

function parseTags(text: string): string[] {
  try {
    const v = JSON.parse(text)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/** The alert an expired heartbeat raises, in the same normalized form the Alert API writes. */
export function expiryAlert(hb: HeartbeatRow): NormalizedAlert {
  const lastPing = hb.last_ping_at === null ? '' : new Date(hb.last_ping_at).toISOString()
  const own = parseTags(hb.alert_tags)
  const tags = expiryAlertTags(own)
  const dropped = own.filter((t) => !tags.includes(t))
  return {
    message: hb.alert_message,
    alias: heartbeatAlias(hb.name),
    description: lastPing
      ? `Heartbeat ${hb.name} expired: no ping since ${lastPing} (interval ${hb.interval} ${hb.interval_unit}).`
      : `Heartbeat ${hb.name} expired: it was never pinged (interval ${hb.interval} ${hb.interval_unit}).`,
    responders: [{ type: 'team', id: hb.team_id }],
    visibleTo: [],
    actions: [],
    tags,
    details: { heartbeat: hb.name, lastPingTime: lastPing },
    entity: '',
    source: HEARTBEAT_TAG,
    priority: hb.alert_priority as Priority,
    user: SYSTEM_USER,
    notices: dropped.length ? [`tags ${dropped.join(', ')} dropped: an alert holds at most 20 tags`] : [],
  }
}

/**
 * Expires every enabled heartbeat whose interval has ended and raises its alert, both in one writer
 * transaction, so an expiry is never recorded without its alert nor the alert raised twice. On PostgreSQL
 * due rows are claimed with FOR UPDATE SKIP LOCKED and the update re-checks `expired = 0`, so concurrent
 * instances never both raise it; on SQLite the single writer serializes sweeps. Heartbeats that ran out
 * while no server was running are simply due at the first sweep. Returns how many expired.
 */
export async function expireHeartbeats(ctx: HeartbeatDeps, clock: Clock): Promise<number> {
  // A read outside the writer first: the common case (nothing due) costs one index probe, no transaction.
  const due = await ctx.store.db
    .selectFrom('heartbeats')
    .select('id')
    .where('expires_at', '<=', clock.now())
    .limit(1)
    .executeTakeFirst()
  if (!due) return 0
  // With the app's router the expiry alert is routed and escalated like any other.
  const creates = createAlertsGroup(clock, ctx.metrics, ctx.router)
  return ctx.writer.submit(async (trx, batch) => {
    const now = clock.now()
    const rows = await trx
      .selectFrom('heartbeats')
      .selectAll()
      .where('expires_at', '<=', now)
      .where('enabled', '=', 1)
      .where('expired', '=', 0)
      .orderBy('expires_at')
      .limit(SWEEP_LIMIT)
      .$if(ctx.store.dialect === 'postgres', (q) => q.forUpdate().skipLocked())
      .execute()
    const expired: HeartbeatRow[] = []
    for (const hb of rows) {
      const res = await trx
        .updateTable('heartbeats')
        .set({ expired: 1, expires_at: null, updated_at: now })
        .where('id', '=', hb.id)
        .where('expired', '=', 0)
        .executeTakeFirst()
      if (Number(res.numUpdatedRows) === 1) expired.push(hb)
    }
    if (expired.length) {
      // The Alert API's own create path: dedup on the open alias, tinyId, change sequence, log, tags.
      await creates.run(
        trx,
        batch,
        expired.map((hb) => ({
          alert: expiryAlert(hb),
          teamId: hb.team_id,
          integrationId: null,
          requestId: newId(now),
        })),
      )
    }
    return expired.length
  })
}

/** Closes the open expiry alert of a heartbeat, noting why; nothing when there is none. */
export async function closeExpiryAlert(
  trx: Transaction<Database>,
  batch: Batch,
  hb: HeartbeatRow,
  now: number,
  by: string,
): Promise<void> {
  const alert = await trx
    .selectFrom('alerts')
    .selectAll()
    .where('team_id', '=', hb.team_id)
    .where('open_alias', '=', heartbeatAlias(hb.name))
    // Only an alert a heartbeat raised: a person's alert that happens to use the alias stays open.
    .where('source', '=', HEARTBEAT_TAG)
    .executeTakeFirst()
  if (!alert) return
  await applyAction(
    trx,
    batch,
    alert,
    { type: 'close' },
    { user: SYSTEM_USER, source: by, note: `Heartbeat ${hb.name} received again` },
    now,
  )
}

/**
 * Records a ping, durably. A running heartbeat starts a new interval; an expired one is running again and,
 * with autoClose, its expiry alert is closed in the same transaction. A disabled heartbeat only remembers
 * the ping time. `mayPing` decides by the owner team; false (or an unknown name) records nothing.
 * Resolves true when the ping was recorded.
 */
export function pingHeartbeat(
  ctx: HeartbeatDeps,
  clock: Clock,
  name: string,
  mayPing: (teamId: string) => boolean,
  by: string,
): Promise<boolean> {
  return ctx.writer.submit(async (trx, batch) => {
    const now = clock.now()
    const hb = await lockHeartbeat(trx, ctx.store.dialect, name)
    if (!hb || !mayPing(hb.team_id)) return false
    const running = hb.enabled === 1
    await trx
      .updateTable('heartbeats')
      .set(
        running
          ? {
              last_ping_at: now,
              expired: 0,
              interval_start: now,
              expires_at: expiresAt({ ...hb, interval_start: now }),
              updated_at: now,
            }
          : { last_ping_at: now, updated_at: now },
      )
      .where('id', '=', hb.id)
      .execute()
    if (running && hb.expired === 1 && hb.auto_close === 1) await closeExpiryAlert(trx, batch, hb, now, by)
    return true
  })
}

/** Runs the expiry sweep every `everyMs` until the returned stop function is called. */
export function startHeartbeatSweeper(
  ctx: HeartbeatDeps,
  clock: Clock,
  log: FastifyBaseLogger,
  everyMs = 1000,
): () => void {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    expireHeartbeats(ctx, clock)
      .then((n) => {
        if (n) log.info({ heartbeats: n }, 'heartbeats expired; alerts raised')
      })
      .catch((err) => log.error({ err }, 'heartbeat sweep failed'))
      .finally(() => {
        busy = false
      })
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
