/*
 * Retention (issue 4 §3): the client keeps open alerts and the alerts closed in the last N days; older
 * history comes from the HTTP API on demand. Alerts and their logs are pull-only, so removing them here
 * never reaches the server. Expired alerts are dropped as they are pulled (turned into local tombstones)
 * and purged periodically as they age out; tombstones are then removed from the storage for good.
 */
import type { RxCollection } from 'rxdb'
import type { RxDoc } from '../../core/sync/rx-schema'
import type { Clock } from '../../core/time/clock'

type AlertDoc = RxDoc<'alerts'>
type AlertLogDoc = RxDoc<'alertLogs'>
const DAY_MS = 86_400_000

/** When a closed alert was closed: creation plus its close time, or its last change. */
export function closedAt(alert: Pick<AlertDoc, 'createdAt' | 'updatedAt' | 'closeTime'>): number {
  return alert.closeTime !== undefined ? alert.createdAt + alert.closeTime : alert.updatedAt
}

/** True for an alert the client no longer keeps: closed before `now - days`. */
export function isExpiredAlert(
  alert: Pick<AlertDoc, 'status' | 'createdAt' | 'updatedAt' | 'closeTime'>,
  now: number,
  days: number,
): boolean {
  return alert.status === 'closed' && closedAt(alert) < now - days * DAY_MS
}

/** A pull modifier for alerts: an expired alert arrives as a deletion, so it is never shown or kept. */
export function dropExpiredOnPull(clock: Clock, days: number) {
  return <T extends AlertDoc & { _deleted: boolean }>(doc: T): T =>
    !doc._deleted && isExpiredAlert(doc, clock.now(), days) ? { ...doc, _deleted: true } : doc
}

/** Removes expired alerts and the old logs of alerts no longer kept; returns how many alerts went. */
export async function purgeExpired(
  alerts: RxCollection<AlertDoc>,
  logs: RxCollection<AlertLogDoc>,
  clock: Clock,
  days: number,
): Promise<number> {
  const now = clock.now()
  const cutoff = now - days * DAY_MS
  // Index [status, createdAt]: every closed alert created before the cutoff is a candidate.
  const closed = await alerts.find({ selector: { status: 'closed', createdAt: { $lt: cutoff } } }).exec()
  const expired = closed.filter((d) => isExpiredAlert(d, now, days))
  if (expired.length > 0) await alerts.bulkRemove(expired.map((d) => d.primary))
  const oldLogs = await logs.find({ selector: { createdAt: { $lt: cutoff } } }).exec()
  if (oldLogs.length > 0) {
    const kept = new Set((await alerts.findByIds([...new Set(oldLogs.map((l) => l.alertId))]).exec()).keys())
    const orphans = oldLogs.filter((l) => !kept.has(l.alertId)).map((l) => l.primary)
    if (orphans.length > 0) await logs.bulkRemove(orphans)
  }
  // Drop the tombstones now: nothing pushes these collections, so nobody needs them.
  await alerts.storageInstance.cleanup(0)
  await logs.storageInstance.cleanup(0)
  return expired.length
}
