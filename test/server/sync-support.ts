/** A raw socket.io-client speaking Vigil's sync protocol, for the server's sync tests. */
import { io, type Socket } from 'socket.io-client'
import {
  type Checkpoint,
  type PullResponse,
  type PushResponse,
  type PushRow,
  STREAM_BATCH_AUTH,
  type StreamMessage,
  SYNC_EVENTS,
  type SyncCollection,
  type SyncDocument,
  type SyncResult,
} from '../../core/sync/protocol'

export type Doc = SyncDocument & Record<string, any>

export interface SyncClient {
  socket: Socket
  /** Every stream message received, in order (those of `sync:streams` packets included, one by one). */
  streams: StreamMessage<Doc>[]
  /** The `sync:streams` packets received (a client connected with `batch`), in order. */
  batches: StreamMessage<Doc>[][]
  pull(
    collection: SyncCollection,
    checkpoint?: Checkpoint,
    batchSize?: number,
  ): Promise<SyncResult<PullResponse<Doc>>>
  /** Pulls until a short batch; returns every document (later versions replace earlier) and the checkpoint. */
  pullAll(
    collection: SyncCollection,
    from?: Checkpoint,
    batchSize?: number,
  ): Promise<{ docs: Map<string, Doc>; checkpoint?: Checkpoint }>
  push(collection: SyncCollection, rows: PushRow<Doc>[]): Promise<SyncResult<PushResponse<Doc>>>
  /** Resolves with the first stream message (already received or future) matching. */
  waitStream(match: (m: StreamMessage<Doc>) => boolean): Promise<StreamMessage<Doc>>
  close(): void
}

/** Connects with a session token; rejects with the server's refusal (connect_error). */
export function connect(
  url: string,
  token: string | undefined,
  opts: { reconnection?: boolean; batch?: boolean } = {},
): Promise<SyncClient> {
  const socket = io(url, {
    transports: ['websocket'],
    auth: { ...(token === undefined ? {} : { token }), ...(opts.batch ? { [STREAM_BATCH_AUTH]: true } : {}) },
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  })
  const streams: StreamMessage<Doc>[] = []
  const batches: StreamMessage<Doc>[][] = []
  const waiters: Array<{
    match: (m: StreamMessage<Doc>) => boolean
    resolve: (m: StreamMessage<Doc>) => void
  }> = []
  const received = (m: StreamMessage<Doc>) => {
    streams.push(m)
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  }
  socket.on(SYNC_EVENTS.stream, received)
  socket.on(SYNC_EVENTS.streams, (ms: StreamMessage<Doc>[]) => {
    batches.push(ms)
    for (const m of ms) received(m)
  })
  const client: SyncClient = {
    socket,
    streams,
    batches,
    pull: (collection, checkpoint, batchSize = 100) =>
      socket.timeout(20_000).emitWithAck(SYNC_EVENTS.pull, { collection, checkpoint, batchSize }),
    async pullAll(collection, from, batchSize = 100) {
      const docs = new Map<string, Doc>()
      let checkpoint = from
      for (;;) {
        const r = await client.pull(collection, checkpoint, batchSize)
        if (!r.ok) throw new Error(`pull failed: ${r.error.code} ${r.error.message}`)
        for (const d of r.value.documents) docs.set(d.id, d)
        checkpoint = r.value.checkpoint
        if (r.value.documents.length < batchSize) return { docs, checkpoint }
      }
    },
    push: (collection, rows) => socket.timeout(20_000).emitWithAck(SYNC_EVENTS.push, { collection, rows }),
    waitStream(match) {
      const found = streams.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
    close: () => socket.disconnect(),
  }
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client))
    socket.once('connect_error', (err) => {
      socket.disconnect()
      reject(err)
    })
  })
}

/** True for a stream message carrying a document of the collection that satisfies `match`. */
export const hasDoc =
  (collection: SyncCollection, match: (d: Doc) => boolean) =>
  (m: StreamMessage<Doc>): boolean =>
    m.collection === collection && 'documents' in m && m.documents.some(match)
