import type { Transaction } from 'kysely'
import type { NotificationPayload } from '../../core/model/notification'
import { type Bundle, bundle } from '../../core/notify/bundle'
import { admit, type RateLimits } from '../../core/notify/rate-limit'
import type { Batch } from '../ingest/group-commit'
import type { Dialect } from '../store/dialect'
import type { Database } from '../store/schema'
import { DELIVERY_LOG_OWNER } from './expand'
import { channelLabel } from './labels'

/** One claimed delivery, with what sending and recording need. */
export interface ClaimedDelivery {
  id: string
  userId: string
  channel: string
  address: string
  dueAt: number
  seq: number
  alertId: string | null
  notificationId: string
  /** The attempt this claim is (1 for the first send); recording only applies while it still matches. */
  attempts: number
  payload: NotificationPayload
  stepKey: string
  cycle: number
  repeatEveryMs: number | null
}

/** Settings of one claim. */
export interface ClaimOptions {
  now: number
  limit: number
  leaseMs: number
  maxAttempts: number
  maxBundle: number
  rateLimits: RateLimits
  /** How long a rate-limited delivery waits before it is looked at again. */
  deferMs: number
}

/** Why a delivery is moot: the alert it pages for was acknowledged or closed. */
function cancelReason(actionType: string, ack: number | null, status: string | null): string | undefined {
  if (actionType !== 'create-alert') return undefined
  if (status === 'closed') return 'alert closed'
  if (ack === 1) return 'alert acknowledged'
  return undefined
}

/** Messages (distinct bundles) sent or being sent since `since`, per user and per channel. */
/** Ends a claimed delivery without sending it (cancelled, or given up) and says why in the alert's log. */
async function settle(
  trx: Transaction<Database>,
  batch: Batch,
  now: number,
  r: { id: string; alert_id: string | null },
  state: 'cancelled' | 'failed',
  why: string,
  log: string,
): Promise<void> {
  await trx
    .updateTable('deliveries')
    .set({ state, last_error: why, updated_at: now })
    .where('id', '=', r.id)
    .execute()
  if (r.alert_id)
    batch.log({ alert_id: r.alert_id, created_at: now, type: 'notification', owner: DELIVERY_LOG_OWNER, log })
}

async function recentCounts(
  trx: Transaction<Database>,
  since: number,
  userIds: string[],
  channels: string[],
) {
  const recent = trx
    .selectFrom('deliveries')
    .where('state', 'in', ['sent', 'sending'])
    .where('updated_at', '>', since)
    .where('bundle_id', 'is not', null)
  const byUser = await recent
    .select(['user_id', (eb) => eb.fn.count<number>('bundle_id').distinct().as('n')])
    .where('user_id', 'in', userIds)
    .groupBy('user_id')
    .execute()
  const byChannel = await recent
    .select(['channel', (eb) => eb.fn.count<number>('bundle_id').distinct().as('n')])
    .where('channel', 'in', channels)
    .groupBy('channel')
    .execute()
  return {
    byUser: new Map(byUser.map((r) => [r.user_id, Number(r.n)])),
    byChannel: new Map(byChannel.map((r) => [r.channel, Number(r.n)])),
  }
}

/**
 * In the writer's transaction: takes due deliveries (pending ones whose time came, and `sending` ones whose
 * lease expired because the process sending them died), cancels those whose alert was acknowledged or
 * closed, bundles the rest per person, channel and address, holds back bundles over the rate limits, and
 * marks the admitted ones `sending` under a lease. Returns the bundles to send.
 */
export async function claimDue(
  trx: Transaction<Database>,
  batch: Batch,
  dialect: Dialect,
  o: ClaimOptions,
): Promise<Array<Bundle<ClaimedDelivery>>> {
  const ids = await trx
    .selectFrom('deliveries')
    .select('id')
    .where('state', 'in', ['pending', 'sending'])
    .where('next_attempt_at', '<=', o.now)
    .orderBy('next_attempt_at')
    .limit(o.limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked())
    .execute()
  if (ids.length === 0) return []
  const rows = await trx
    .selectFrom('deliveries as d')
    .innerJoin('notifications as n', 'n.id', 'd.notification_id')
    .leftJoin('alerts as a', 'a.id', 'd.alert_id')
    .select([
      'd.id',
      'd.user_id',
      'd.channel',
      'd.address',
      'd.due_at',
      'd.alert_id',
      'd.notification_id',
      'd.state',
      'd.attempts',
      'd.step_key',
      'd.cycle',
      'd.repeat_every_ms',
      'n.action_type',
      'n.payload',
      'a.acknowledged',
      'a.status',
    ])
    .where(
      'd.id',
      'in',
      ids.map((r) => r.id),
    )
    .execute()
  const live: ClaimedDelivery[] = []
  for (const r of rows) {
    const label = channelLabel(r.channel)
    const why = cancelReason(r.action_type, r.acknowledged, r.status)
    if (why) {
      await settle(trx, batch, o.now, r, 'cancelled', why, `Cancelled ${label} to ${r.address}: ${why}`)
      continue
    }
    if (r.state === 'sending' && r.attempts >= o.maxAttempts) {
      // Claimed and lost (the process died) as often as we try at all: stop rather than loop forever.
      const msg = `gave up after ${r.attempts} attempts (the sending process stopped each time)`
      await settle(trx, batch, o.now, r, 'failed', msg, `${capitalize(label)} to ${r.address} failed: ${msg}`)
      continue
    }
    const payload = JSON.parse(r.payload) as NotificationPayload
    live.push({
      id: r.id,
      seq: Number(payload.alert?.tinyId ?? 0) || 0,
      userId: r.user_id,
      channel: r.channel,
      address: r.address,
      dueAt: r.due_at,
      alertId: r.alert_id,
      notificationId: r.notification_id,
      attempts: r.attempts + 1,
      payload,
      stepKey: r.step_key,
      cycle: r.cycle,
      repeatEveryMs: r.repeat_every_ms,
    })
  }
  const bundles = bundle(live, o.maxBundle)
  if (bundles.length === 0) return []
  const counts = await recentCounts(
    trx,
    o.now - o.rateLimits.windowMs,
    [...new Set(bundles.map((b) => b.userId))],
    [...new Set(bundles.map((b) => b.channel))],
  )
  const admitted = admit(o.rateLimits, counts, bundles)
  const out: Array<Bundle<ClaimedDelivery>> = []
  for (const [i, b] of bundles.entries()) {
    const ids = b.deliveries.map((d) => d.id)
    if (!admitted[i]) {
      await trx
        .updateTable('deliveries')
        .set({
          state: 'pending',
          next_attempt_at: o.now + o.deferMs,
          last_error: 'held back by rate limit',
          updated_at: o.now,
        })
        .where('id', 'in', ids)
        .execute()
      continue
    }
    for (const d of b.deliveries) {
      await trx
        .updateTable('deliveries')
        .set({
          state: 'sending',
          attempts: d.attempts,
          next_attempt_at: o.now + o.leaseMs,
          bundle_id: b.id,
          updated_at: o.now,
        })
        .where('id', '=', d.id)
        .execute()
    }
    out.push(b)
  }
  return out
}

/** "email" -> "Email". */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
