import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../../core/time/clock'
import type { Store } from '../store/store'

/** Rows deleted per statement, so one pass never holds the store for long. */
const CHUNK = 5_000

export interface Retention {
  /** How long GET /v2/alerts/requests/{id} can still answer for a request. */
  requestStatusMs: number
}

/**
 * Deletes what only needs to live for a while: request statuses past their retention (one row per alert
 * request, so millions a day under load) and sessions that expired or were revoked a day ago.
 */
export async function housekeep(
  store: Store,
  clock: Clock,
  retention: Retention,
): Promise<{ requests: number; sessions: number }> {
  const now = clock.now()
  let requests = 0
  for (;;) {
    const old = await store.db
      .selectFrom('alert_requests')
      .select('request_id')
      .where('processed_at', '<', now - retention.requestStatusMs)
      .limit(CHUNK)
      .execute()
    if (!old.length) break
    const res = await store.db
      .deleteFrom('alert_requests')
      .where(
        'request_id',
        'in',
        old.map((r) => r.request_id),
      )
      .executeTakeFirst()
    requests += Number(res.numDeletedRows)
    if (old.length < CHUNK) break
  }
  const dayAgo = now - 24 * 3600_000
  const res = await store.db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('revoked_at', '<', dayAgo)]))
    .executeTakeFirst()
  return { requests, sessions: Number(res.numDeletedRows) }
}

/** Runs housekeeping every `intervalMs` until the returned stop function is called. */
export function startHousekeeping(
  store: Store,
  clock: Clock,
  retention: Retention,
  log: FastifyBaseLogger,
  intervalMs = 10 * 60_000,
): () => void {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    housekeep(store, clock, retention)
      .then((n) => {
        if (n.requests || n.sessions) log.info(n, 'housekeeping deleted expired rows')
      })
      .catch((err) => log.error({ err }, 'housekeeping failed'))
      .finally(() => {
        busy = false
      })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
