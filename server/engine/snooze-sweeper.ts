import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../../core/time/clock'
import type { GroupCommitWriter } from '../ingest/group-commit'
import type { Store } from '../store/store'

/** Alerts woken per sweep; the rest wait for the next tick so one sweep never holds the writer long. */
const SWEEP_LIMIT = 500

/**
 * Ends snoozes whose endTime has passed: the alert is active again and its log says so. Reads already
 * treat a lapsed snooze as over; this makes it durable and visible to replication.
 */
export async function wakeSnoozedAlerts(
  store: Store,
  writer: GroupCommitWriter,
  clock: Clock,
): Promise<number> {
  // A cheap indexed peek first: most ticks find nothing and should not take the writer's transaction.
  const any = await store.db
    .selectFrom('alerts')
    .select('id')
    .where('snoozed', '=', 1)
    .where('snoozed_until', '<=', clock.now())
    .limit(1)
    .executeTakeFirst()
  if (!any) return 0
  return writer.submit(async (trx, batch) => {
    const now = clock.now()
    const due = await trx
      .selectFrom('alerts')
      .select(['id', 'snoozed_until'])
      .where('snoozed', '=', 1)
      .where('snoozed_until', '<=', now)
      .limit(SWEEP_LIMIT)
      .execute()
    for (const a of due) {
      await trx
        .updateTable('alerts')
        .set({ snoozed: 0, snoozed_until: null, updated_at: now, change_seq: await batch.next('change_seq') })
        .where('id', '=', a.id)
        .execute()
      batch.log({
        alert_id: a.id,
        created_at: now,
        type: 'snooze-ended',
        owner: 'system',
        log: 'Snooze ended',
      })
    }
    return due.length
  })
}

/** Runs the sweep every `intervalMs` until the returned stop function is called. */
export function startSnoozeSweeper(
  store: Store,
  writer: GroupCommitWriter,
  clock: Clock,
  log: FastifyBaseLogger,
  intervalMs = 1000,
): () => void {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    wakeSnoozedAlerts(store, writer, clock)
      .catch((err) => log.error({ err }, 'snooze sweep failed'))
      .finally(() => {
        busy = false
      })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
