import type { Transaction } from 'kysely'
import { newId } from '../../core/ids/ids'
import { type BackoffPolicy, retryDelayMs, shouldRetry } from '../../core/notify/backoff'
import type { Bundle } from '../../core/notify/bundle'
import { cycleKey } from '../../core/notify/rules'
import type { SendResult } from '../channels/channel'
import type { Batch } from '../ingest/group-commit'
import type { Database, DeliveryState } from '../store/schema'
import { type ClaimedDelivery, capitalize } from './claim'
import { DELIVERY_LOG_OWNER } from './expand'
import { channelLabel } from './labels'

/** Repeat rounds at most (about a day of a 10-minute loop): an alert nobody acknowledges must not page forever. */
export const MAX_REPEAT_ROUNDS = 144

/** Settings of recording an outcome. */
export interface RecordOptions {
  now: number
  backoff: BackoffPolicy
  /** A draw in [0, 1) for jitter. */
  random: () => number
}

const seconds = (ms: number): string =>
  ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`

/** The state, next attempt and log line of one delivery after a send. */
function outcome(
  d: ClaimedDelivery,
  b: Bundle<ClaimedDelivery>,
  result: SendResult,
  o: RecordOptions,
): { state: DeliveryState; next: number; log: string; error: string | null } {
  const label = channelLabel(b.channel)
  const attempt = `attempt ${d.attempts}`
  if (result.ok) {
    const more = b.deliveries.length > 1 ? `, one message with ${b.deliveries.length - 1} more` : ''
    return {
      state: 'sent',
      next: o.now,
      log: `Sent ${label} to ${b.address} (${attempt}${more})`,
      error: null,
    }
  }
  const head = `${capitalize(label)} to ${b.address}`
  if (result.error === 'unconfigured')
    return {
      state: 'undeliverable',
      next: o.now,
      log: `${head} undeliverable: ${result.message}`,
      error: result.message,
    }
  if (result.error === 'temporary' && shouldRetry(o.backoff, d.attempts)) {
    const wait = retryDelayMs(o.backoff, d.attempts, o.random())
    return {
      state: 'pending',
      next: o.now + wait,
      log: `${head} failed (${attempt}): ${result.message}; retrying in ${seconds(wait)}`,
      error: result.message,
    }
  }
  const final = result.error === 'temporary' ? `failed after ${d.attempts} attempts` : `failed (${attempt})`
  return { state: 'failed', next: o.now, log: `${head} ${final}: ${result.message}`, error: result.message }
}

/**
 * In the writer's transaction: records what a send did to each delivery of its bundle, logs it on the
 * alert, and queues the next repeat round of finished deliveries. A delivery whose claim was taken over
 * (its lease expired and another sweep claimed it again) is left alone: that claim records it.
 */
export async function recordOutcome(
  trx: Transaction<Database>,
  batch: Batch,
  b: Bundle<ClaimedDelivery>,
  result: SendResult,
  o: RecordOptions,
): Promise<void> {
  for (const d of b.deliveries) {
    const out = outcome(d, b, result, o)
    const updated = await trx
      .updateTable('deliveries')
      .set({
        state: out.state,
        next_attempt_at: out.next,
        last_error: out.error,
        provider_response: result.providerResponse ?? null,
        updated_at: o.now,
      })
      .where('id', '=', d.id)
      .where('state', '=', 'sending')
      .where('attempts', '=', d.attempts)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) continue
    if (d.alertId)
      batch.log({
        alert_id: d.alertId,
        created_at: o.now,
        type: 'notification',
        owner: DELIVERY_LOG_OWNER,
        log: out.log,
      })
    if (out.state !== 'pending' && d.repeatEveryMs && d.cycle + 1 <= MAX_REPEAT_ROUNDS) {
      await queueNextRound(trx, d, o.now)
    }
  }
}

/** Writes the next repeat round of a finished delivery (the unique key makes a second write a no-op). */
async function queueNextRound(trx: Transaction<Database>, d: ClaimedDelivery, now: number): Promise<void> {
  const prev = await trx.selectFrom('deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow()
  const due = prev.due_at + (d.repeatEveryMs ?? 0)
  await trx
    .insertInto('deliveries')
    .values({
      ...prev,
      id: newId(now),
      key: cycleKey(d.notificationId, d.stepKey, d.cycle + 1),
      state: 'pending',
      attempts: 0,
      due_at: due,
      next_attempt_at: Math.max(due, now),
      last_error: null,
      provider_response: null,
      bundle_id: null,
      cycle: d.cycle + 1,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
}
