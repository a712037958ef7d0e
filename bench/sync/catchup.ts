/**
 * Catch-up: a replica that was in sync goes offline, N alerts change on the server, it comes back; how
 * long until every one of them is in its store, against a local bulkInsert of the same documents into a
 * fresh memory-storage collection with the same schema, in the same run.
 */
import { createRxDatabase, type RxCollection } from 'rxdb'
import { replicateRxCollection } from 'rxdb/plugins/replication'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import type { AlertDoc } from '../../core/sync/documents'
import { syncRxSchemas } from '../../core/sync/rx-schema'
import { alertBody, nowMs, sendAlerts } from '../escalation/sender'
import { openReplica } from './fleet'
import type { CatchUp } from './report'

/** How the catch-up is driven. */
export interface CatchUpRun {
  url: string
  token: string
  apiKey: string
  alerts: number
  /** Send rate while the replica is offline (alerts/s). */
  rate: number
  prefix: string
  /** Counts the alerts the server holds (read from the store). */
  serverCount: () => Promise<number>
  log: (msg: string) => void
  timeoutMs?: number
}

/** Runs the measurement; failures become `error`. */
export async function measureCatchUp(o: CatchUpRun): Promise<CatchUp> {
  const out: CatchUp = { alerts: o.alerts }
  const replica = await openReplica(o.url, o.token, `bench-catchup-${process.pid}-${Date.now()}`).catch(
    (err) => {
      out.error = `replica did not open: ${String(err)}`
      return undefined
    },
  )
  if (!replica) return out
  let docs: AlertDoc[] = []
  try {
    await replica.awaitInSync()
    replica.goOffline()
    o.log(`replica offline; sending ${o.alerts} alerts at up to ${o.rate}/s`)
    const sent = await sendAlerts({
      urls: [o.url],
      apiKey: o.apiKey,
      rate: o.rate,
      total: o.alerts,
      concurrency: 32,
      maxInFlight: 64,
      body: (i) => ({ alias: `${o.prefix}${i}`, json: alertBody(`${o.prefix}${i}`, i) }),
    })
    const accepted = sent.alerts.filter((a) => a.status === 202).length
    if (accepted !== o.alerts) out.note = `${o.alerts - accepted} alerts were not answered 202`
    out.alerts = accepted
    const collection = replica.db.alerts
    if (!collection) throw new Error('the replica has no alerts collection')
    const seen = new Set<string>()
    let done: () => void = () => {}
    const all = new Promise<void>((resolve) => {
      done = resolve
    })
    const sub = collection.$.subscribe((ev) => {
      const alias = (ev.documentData as Partial<AlertDoc>).alias
      if (typeof alias === 'string' && alias.startsWith(o.prefix)) seen.add(alias)
      if (seen.size >= accepted) done()
    })
    o.log(`${accepted} alerts changed while offline; reconnecting`)
    const t0 = nowMs()
    replica.goOnline()
    const timeoutMs = o.timeoutMs ?? 120_000
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))
    const how = await Promise.race([all.then(() => 'ok' as const), timer])
    const t1 = nowMs()
    sub.unsubscribe()
    if (how === 'timeout')
      throw new Error(`only ${seen.size} of ${accepted} alerts arrived in ${timeoutMs / 1000} s`)
    out.catchUpSec = (t1 - t0) / 1000
    await replica.awaitInSync()
    out.localCount = await collection.count().exec()
    out.serverCount = await o.serverCount()
    docs = (await collection.find().exec())
      .map((d) => d.toJSON() as unknown as AlertDoc)
      .filter((d) => d.alias.startsWith(o.prefix))
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err)
  } finally {
    await replica.close().catch(() => {})
  }
  if (docs.length) {
    out.bulkInsertSec = await timeBulkInsert(docs).catch((err) => {
      out.error = `bulkInsert: ${String(err)}`
      return undefined
    })
    out.rxReplicationSec = await timeRxReplication(docs).catch((err) => {
      out.error = `RxDB replication from memory: ${String(err)}`
      return undefined
    })
  }
  return out
}

/**
 * Seconds for RxDB's replication protocol alone to bring `docs` into a fresh alerts collection: a pull
 * handler that slices an in-memory array in batches of the replica's size, no server, no network.
 */
export async function timeRxReplication(docs: AlertDoc[], batchSize = 1000): Promise<number> {
  return withFreshAlerts('rxrepl', async (collection) => {
    const master = docs.map((d) => ({ ...d, _deleted: false }))
    const t0 = nowMs()
    const state = replicateRxCollection<AlertDoc, { i: number }>({
      collection,
      replicationIdentifier: 'bench-rx-replication-from-memory',
      live: false,
      waitForLeadership: false,
      pull: {
        batchSize,
        async handler(checkpoint, n) {
          const i = checkpoint?.i ?? 0
          return { documents: master.slice(i, i + n), checkpoint: { i: Math.min(i + n, master.length) } }
        },
      },
    })
    await state.awaitInitialReplication()
    const t1 = nowMs()
    await state.cancel()
    const held = await collection.count().exec()
    if (held !== docs.length) throw new Error(`replicated ${held} of ${docs.length} documents`)
    return (t1 - t0) / 1000
  })
}

/** Seconds to bulkInsert `docs` into a fresh alerts collection on memory storage (the replica's schema). */
export async function timeBulkInsert(docs: AlertDoc[]): Promise<number> {
  return withFreshAlerts('bulk', async (collection) => {
    const t0 = nowMs()
    const r = await collection.bulkInsert(docs)
    const t1 = nowMs()
    if (r.error.length)
      throw new Error(
        `${r.error.length} documents refused, first: ${JSON.stringify(r.error[0]).slice(0, 200)}`,
      )
    return (t1 - t0) / 1000
  })
}

/** Runs `body` on the alerts collection (the replica's schema) of a fresh memory-storage database. */
async function withFreshAlerts<T>(
  tag: string,
  body: (alerts: RxCollection<AlertDoc>) => Promise<T>,
): Promise<T> {
  const db = await createRxDatabase({
    name: `bench-${tag}-${process.pid}-${Date.now()}`,
    storage: getRxStorageMemory(),
    multiInstance: false,
  })
  try {
    await db.addCollections({ alerts: { schema: syncRxSchemas().alerts } })
    const collection = db.collections.alerts
    if (!collection) throw new Error('no alerts collection')
    return await body(collection as unknown as RxCollection<AlertDoc>)
  } finally {
    await db.close()
  }
}
