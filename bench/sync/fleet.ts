/**
 * Many Socket.IO clients in this one process: bare sockets that note when each streamed alert arrives
 * (socket arrival), and real console replicas (src-renderer/db on RxDB's memory storage, only the alerts
 * collection) that note when each alert lands in their store (store arrival).
 */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { io, type Socket } from 'socket.io-client'
import type { AlertDoc } from '../../core/sync/documents'
import { STREAM_BATCH_AUTH, type StreamMessage, SYNC_EVENTS } from '../../core/sync/protocol'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import { nowMs } from '../escalation/sender'

/** Receives (client index, alias, arrival time) for every streamed or stored alert document. */
export type ArrivalSink = (client: number, alias: unknown, at: number) => void

/** Bare sockets connected to one server. */
export interface Fleet {
  sockets: Socket[]
  /** Streamed alert documents seen (any phase), for the payload template. */
  sample(): unknown
  /** Routes arrivals to a new sink (a new phase) or nowhere. */
  setSink(sink: ArrivalSink | undefined): void
  close(): void
}

/**
 * Connects `n` websocket clients, `batch` at a time, numbered from `firstIndex`; throws on the first
 * connect error.
 */
export async function connectFleet(
  url: string,
  n: number,
  token?: string,
  batch = 50,
  firstIndex = 0,
): Promise<Fleet> {
  const sockets: Socket[] = []
  let sink: ArrivalSink | undefined
  let sample: unknown
  const fleet: Fleet = {
    sockets,
    sample: () => sample,
    setSink(s) {
      sink = s
    },
    close() {
      for (const s of sockets) s.disconnect()
    },
  }
  try {
    for (let start = 0; start < n; start += batch) {
      const wave: Array<Promise<void>> = []
      for (let k = start; k < Math.min(n, start + batch); k++) {
        const c = firstIndex + k
        const socket = io(url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          timeout: 30_000,
          // Like the console (src-renderer/db), take a tick's messages as one packet; the raw server
          // ignores the flag and sends single sync:stream messages.
          ...(token ? { auth: { token, [STREAM_BATCH_AUTH]: true } } : {}),
        })
        sockets.push(socket)
        const note = (msg: StreamMessage, at: number) => {
          if (msg?.collection !== 'alerts' || !('documents' in msg)) return
          for (const doc of msg.documents as Array<Partial<AlertDoc>>) {
            sample ??= doc
            sink?.(c, doc.alias, at)
          }
        }
        socket.on(SYNC_EVENTS.stream, (msg: StreamMessage, ack?: unknown) => {
          const at = nowMs()
          if (typeof ack === 'function') ack({ ok: true, value: null })
          note(msg, at)
        })
        socket.on(SYNC_EVENTS.streams, (msgs: StreamMessage[]) => {
          const at = nowMs()
          if (Array.isArray(msgs)) for (const m of msgs) note(m, at)
        })
        wave.push(
          new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve())
            socket.once('connect_error', (err) =>
              reject(new Error(`client ${c} could not connect: ${err.message}`)),
            )
          }),
        )
      }
      await Promise.all(wave)
    }
  } catch (err) {
    fleet.close()
    throw err
  }
  return fleet
}

/** Console replicas replicating only the alerts collection. */
export interface Replicas {
  dbs: VigilDatabase[]
  setSink(sink: ArrivalSink | undefined): void
  close(): Promise<void>
}

/**
 * Opens `n` replicas (RxDB allows 13 open collections per JS realm, so at most 12 here) and waits until
 * each has caught up with what the server already holds. Client indexes start at `firstIndex`.
 */
export async function openReplicas(
  url: string,
  token: string,
  n: number,
  firstIndex: number,
): Promise<Replicas> {
  let sink: ArrivalSink | undefined
  const dbs: VigilDatabase[] = []
  const subs: Array<{ unsubscribe(): void }> = []
  const out: Replicas = {
    dbs,
    setSink(s) {
      sink = s
    },
    async close() {
      for (const s of subs) s.unsubscribe()
      await Promise.all(dbs.map((d) => d.close().catch(() => {})))
    },
  }
  try {
    for (let k = 0; k < n; k++) {
      const d = await openReplica(url, token, `bench-replica-${process.pid}-${Date.now()}-${k}`)
      dbs.push(d)
      const c = firstIndex + k
      const alerts = d.db.alerts
      if (!alerts) throw new Error('the replica has no alerts collection')
      subs.push(
        alerts.$.subscribe((ev) => {
          if (ev.operation === 'DELETE') return
          sink?.(c, (ev.documentData as Partial<AlertDoc>).alias, nowMs())
        }),
      )
    }
    await Promise.all(dbs.map((d) => d.awaitInSync()))
  } catch (err) {
    await out.close()
    throw err
  }
  return out
}

/** One replica of the alerts collection on memory storage, replicating as soon as it is open. */
export async function openReplica(url: string, token: string, name: string): Promise<VigilDatabase> {
  const d = await createVigilDatabase({
    storage: getRxStorageMemory(),
    url,
    token,
    name,
    multiInstance: false,
    collections: ['alerts'],
    retentionIntervalMs: 0,
    retryTime: 500,
    pullBatchSize: 1000,
    followBrowserOnline: false,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
  })
  await d.leadership()
  return d
}

/** Bare sockets and replicas connected together (see connectMixed). */
export interface MixedClients {
  fleet: Fleet
  replicas: Replicas | undefined
}

/**
 * `sockets` bare sockets (clients 0…sockets−1) and `replicas` replicas (clients sockets…), the replicas
 * joining spread evenly among the sockets. A server writes a broadcast to a room's sockets in the order
 * they joined, so clients that all join last would always hear last: spread, they are a fair sample.
 */
export async function connectMixed(
  url: string,
  token: string | undefined,
  sockets: number,
  replicas: number,
): Promise<MixedClients> {
  const fleets: Fleet[] = []
  const reps: Replicas[] = []
  const parts = Math.max(1, replicas)
  let next = 0
  try {
    for (let k = 0; k < parts; k++) {
      const n = Math.round((sockets * (k + 1)) / parts) - next
      fleets.push(await connectFleet(url, n, token, 50, next))
      next += n
      if (k < replicas) reps.push(await openReplicas(url, token ?? '', 1, sockets + k))
    }
  } catch (err) {
    for (const f of fleets) f.close()
    await Promise.all(reps.map((r) => r.close()))
    throw err
  }
  return {
    fleet: {
      sockets: fleets.flatMap((f) => f.sockets),
      sample: () => fleets.map((f) => f.sample()).find((x) => x !== undefined),
      setSink: (sink) => {
        for (const f of fleets) f.setSink(sink)
      },
      close: () => {
        for (const f of fleets) f.close()
      },
    },
    replicas:
      reps.length === 0
        ? undefined
        : {
            dbs: reps.flatMap((r) => r.dbs),
            setSink: (sink) => {
              for (const r of reps) r.setSink(sink)
            },
            close: async () => {
              await Promise.all(reps.map((r) => r.close()))
            },
          },
  }
}
