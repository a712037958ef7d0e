/*
 * The console's offline replica (issue 4 §3): an RxDB database with one collection per replicated
 * document kind (12, one slot of RxDB's 13 left free), each replicated over the app's single Socket.IO
 * connection. Windows sharing the store (console, wallboard) elect a leader; only the leader opens the
 * socket and replicates, the others read the shared store and the status the leader publishes.
 */

import {
  addRxPlugin,
  createRxDatabase,
  type RxCollection,
  type RxDatabase,
  type RxReplicationPullStreamItem,
  type RxStorage,
} from 'rxdb'
import { RxDBLeaderElectionPlugin } from 'rxdb/plugins/leader-election'
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents'
import type { RxReplicationState } from 'rxdb/plugins/replication'
import { BehaviorSubject, map, type Observable, Subject } from 'rxjs'
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import { PUSHABLE_COLLECTIONS } from '../../core/sync/documents'
import {
  type Checkpoint,
  STREAM_BATCH_AUTH,
  type StreamMessage,
  SYNC_COLLECTIONS,
  SYNC_EVENTS,
  type SyncCollection,
} from '../../core/sync/protocol'
import { type RxDoc, syncRxSchemas } from '../../core/sync/rx-schema'
import { type Clock, systemClock } from '../../core/time/clock'
import { type AlertCommand, type AlertCommandInput, queueAlertCommand } from './commands'
import { createMergeConflictHandler } from './conflict-handler'
import { createSyncIssueLog, type SyncIssueLog } from './issues'
import { watchLocal } from './local-doc'
import { type DesktopMessage, listenForNotifications } from './notify'
import { replicateSyncCollection } from './replication'
import { dropExpiredOnPull, purgeExpired } from './retention'
import { PendingChanges, type SyncStatus, sustained, syncStatus$, unpushedDocIds } from './status'
import { createSyncTransport, type SyncTransport } from './transport'

export type VigilCollections = { [C in SyncCollection]: RxCollection<RxDoc<C>> }
export type VigilRxDatabase = RxDatabase<VigilCollections>

export interface VigilDatabaseOptions {
  /** The RxDB storage: Dexie in the browser (browserStorage()), memory in Node tests. */
  storage: RxStorage<unknown, unknown>
  /** Server base URL; Socket.IO runs on its /socket.io path. Also part of every replication identifier. */
  url: string
  /** A session token for the handshake (`auth: { token }`). */
  token: string
  /** Database name (IndexedDB name with Dexie); default 'vigil'. */
  name?: string
  /** Share the store between windows and elect one replicating leader; default true. */
  multiInstance?: boolean
  /** Extra Socket.IO client options (tests: reconnection delays, transports). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>
  clock?: Clock
  /** Closed alerts are kept this many days after closing; default 30. */
  retentionDays?: number
  /** How often expired alerts are purged; default hourly, 0 turns the timer off. */
  retentionIntervalMs?: number
  /** Wait before RxDB retries a failed pull or push; default 5 s. */
  retryTime?: number
  pullBatchSize?: number
  pushBatchSize?: number
  /**
   * Open only these collections (default: all 12). RxDB allows 13 open collections per JS realm, so two
   * replicas in one realm (tests) must split them; a collection left out is absent from `db`.
   */
  collections?: readonly SyncCollection[]
  /** Follow the browser's online/offline events (disconnect while offline); default true in a window. */
  followBrowserOnline?: boolean
}

export interface VigilDatabase {
  readonly db: VigilRxDatabase
  /** online | offline | syncing and the number of local changes not yet pushed (as the leader sees it). */
  readonly status$: Observable<SyncStatus>
  /** Merge conflicts and refused pushes, for the UI. */
  readonly issues: SyncIssueLog
  /** Present in the leader once it replicates. */
  replications(): Partial<Record<SyncCollection, RxReplicationState<unknown, Checkpoint>>>
  isLeader(): boolean
  /** Resolves when this window leads and replicates. */
  leadership(): Promise<void>
  /** Queues an alert action in the alertCommands outbox (pushed when online). */
  sendAlertCommand(input: AlertCommandInput): Promise<AlertCommand>
  /** Removes expired closed alerts and their old logs now; returns how many alerts went. */
  purgeExpired(): Promise<number>
  /** Desktop notifications from the server, acknowledged on receipt; returns the unsubscribe. */
  onNotify(callback: (message: DesktopMessage) => void): () => void
  /** Resolves when every replication is idle and in sync (leader only). */
  awaitInSync(): Promise<void>
  /** Drops the connection (the app goes offline); local writes keep working and are pushed later. */
  goOffline(): void
  /** Reconnects; every collection then re-syncs from its checkpoint. */
  goOnline(): void
  close(): Promise<void>
}

const STATUS_DOC = 'sync-status'
/**
 * A replication shows as syncing once it has been busy this long. Every streamed change turns it active and
 * back within a millisecond, which no one can see, and each status change is a local-document write: two
 * per alert on the live path. Pending changes and the connection still show at once.
 */
const SYNCING_SHOWN_AFTER_MS = 100
const OFFLINE: SyncStatus = { state: 'offline', pending: 0 }

/** Creates the replica and, once this window leads, connects and replicates every collection. */
export async function createVigilDatabase(options: VigilDatabaseOptions): Promise<VigilDatabase> {
  addRxPlugin(RxDBLeaderElectionPlugin)
  addRxPlugin(RxDBLocalDocumentsPlugin)
  const clock = options.clock ?? systemClock
  const retentionDays = options.retentionDays ?? 30
  const db = (await createRxDatabase<VigilCollections>({
    name: options.name ?? 'vigil',
    storage: options.storage,
    multiInstance: options.multiInstance ?? true,
    closeDuplicates: true,
    localDocuments: true,
  })) as VigilRxDatabase
  const issues = createSyncIssueLog(db)
  const pending = new PendingChanges()
  const rejected = new Map<SyncCollection, Set<string>>(SYNC_COLLECTIONS.map((c) => [c, new Set()]))
  const schemas = syncRxSchemas()
  const names = SYNC_COLLECTIONS.filter((c) => options.collections?.includes(c) ?? true)
  await db.addCollections(
    Object.fromEntries(
      names.map((c) => [
        c,
        {
          schema: schemas[c],
          ...(PUSHABLE_COLLECTIONS.includes(c)
            ? {
                conflictHandler: createMergeConflictHandler({
                  collection: c,
                  clock,
                  issues,
                  wasRejected: (id) => rejected.get(c)?.has(id) ?? false,
                  onResolved: (id, settled) => {
                    if (settled) pending.settle(c, [id])
                  },
                }),
              }
            : {}),
        },
      ]),
    ),
  )

  const socket: Socket = io(options.url, {
    // One packet per server tick (an alert and its log entries together) instead of one per collection.
    auth: { token: options.token, [STREAM_BATCH_AUTH]: true },
    autoConnect: false,
    transports: ['websocket'],
    ...options.socketOptions,
  })
  const transport = createSyncTransport(socket, { retryMs: options.retryTime ?? 5_000 })
  const replications: Partial<Record<SyncCollection, RxReplicationState<unknown, Checkpoint>>> = {}
  const notifyCallbacks = new Set<(message: DesktopMessage) => void>()
  const cleanups: Array<() => void> = []
  let leader = false
  let closed = false
  let wantOnline = true
  // Followers show the status the leader publishes; the leader shows its own at once (startReplicating)
  // and stops reading the document back.
  const statusSubject = new BehaviorSubject<SyncStatus>(OFFLINE)
  const statusSub = watchLocal(db, STATUS_DOC)
    .pipe(map((doc) => (doc ? (doc.toJSON().data as SyncStatus) : OFFLINE)))
    .subscribe(statusSubject)

  const leadership = db.waitForLeadership().then(async () => {
    if (closed) return
    leader = true
    statusSub.unsubscribe()
    startReplicating(transport)
    // Count what an earlier session left unpushed before connecting, so no push can settle it first.
    // A failure here only makes the count low until those documents are pushed; never stay offline for it.
    await Promise.all(
      names
        .filter((n) => PUSHABLE_COLLECTIONS.includes(n))
        .map(async (n) => {
          const r = replications[n]
          if (r) pending.mark(n, await unpushedDocIds(r).catch(() => []))
        }),
    )
    if (wantOnline && !closed) transport.connect()
  })

  function startReplicating(t: SyncTransport): void {
    const streams = new Map<SyncCollection, Subject<RxReplicationPullStreamItem<unknown, Checkpoint>>>()
    const deliver = (message: StreamMessage) => {
      const stream = message && streams.get(message.collection)
      if (!stream) return
      stream.next(
        'resync' in message ? 'RESYNC' : { documents: message.documents, checkpoint: message.checkpoint },
      )
    }
    const onStream = (message: StreamMessage, ack?: (r: unknown) => void) => {
      if (typeof ack === 'function') ack({ ok: true, value: null })
      deliver(message)
    }
    // A tick's messages for every collection; each goes to its own replication, in order.
    const onStreams = (messages: StreamMessage[]) => {
      if (Array.isArray(messages)) for (const m of messages) deliver(m)
    }
    // Events missed while disconnected are lost: every (re)connect re-syncs from the checkpoints.
    const onConnect = () => {
      for (const s of streams.values()) s.next('RESYNC')
    }
    socket.on(SYNC_EVENTS.stream, onStream)
    socket.on(SYNC_EVENTS.streams, onStreams)
    socket.on('connect', onConnect)
    cleanups.push(() => {
      socket.off(SYNC_EVENTS.stream, onStream)
      socket.off(SYNC_EVENTS.streams, onStreams)
      socket.off('connect', onConnect)
    })
    cleanups.push(
      listenForNotifications(socket, (m) => {
        for (const cb of notifyCallbacks) cb(m)
      }),
    )
    for (const name of names) {
      const stream = new Subject<RxReplicationPullStreamItem<unknown, Checkpoint>>()
      streams.set(name, stream)
      const push = PUSHABLE_COLLECTIONS.includes(name)
      const collection = db.collections[name] as unknown as RxCollection<unknown>
      if (push) cleanups.push(pending.track(name, collection))
      replications[name] = replicateSyncCollection<unknown>({
        name,
        collection,
        transport: t,
        stream$: stream.asObservable(),
        serverUrl: options.url,
        push,
        rejected: rejected.get(name) ?? new Set(),
        issues,
        pending,
        clock,
        ...(options.retryTime !== undefined ? { retryTime: options.retryTime } : {}),
        ...(options.pullBatchSize !== undefined ? { pullBatchSize: options.pullBatchSize } : {}),
        ...(options.pushBatchSize !== undefined ? { pushBatchSize: options.pushBatchSize } : {}),
        ...(name === 'alerts'
          ? { pullModifier: dropExpiredOnPull(clock, retentionDays) as (d: unknown) => never }
          : {}),
      })
    }
    // The leader publishes its status so that the other windows can show it too.
    const active = Object.values(replications).map((r) => sustained(r.active$, SYNCING_SHOWN_AFTER_MS))
    const sub = syncStatus$(t.connected$, active, pending.count$, t.problem$).subscribe((s) => {
      statusSubject.next(s)
      if (!closed) void db.upsertLocal(STATUS_DOC, { ...s }).catch(() => {})
    })
    cleanups.push(() => sub.unsubscribe())

    const interval = options.retentionIntervalMs ?? 3_600_000
    if (interval > 0) {
      const timer = setInterval(() => void runPurge().catch(() => {}), interval)
      cleanups.push(() => clearInterval(timer))
    }
  }

  const runPurge = async () =>
    db.alerts && db.alertLogs ? purgeExpired(db.alerts, db.alertLogs, clock, retentionDays) : 0

  if ((options.followBrowserOnline ?? true) && typeof window !== 'undefined') {
    const offline = () => api.goOffline()
    const online = () => api.goOnline()
    window.addEventListener('offline', offline)
    window.addEventListener('online', online)
    cleanups.push(() => {
      window.removeEventListener('offline', offline)
      window.removeEventListener('online', online)
    })
  }

  const api: VigilDatabase = {
    db,
    status$: statusSubject.asObservable(),
    issues,
    replications: () => ({ ...replications }),
    isLeader: () => leader,
    leadership: () => leadership,
    sendAlertCommand: (input) => queueAlertCommand(db.alertCommands, clock, input),
    purgeExpired: runPurge,
    onNotify(callback) {
      notifyCallbacks.add(callback)
      return () => notifyCallbacks.delete(callback)
    },
    async awaitInSync() {
      await Promise.all(Object.values(replications).map((r) => r.awaitInSync()))
    },
    goOffline() {
      wantOnline = false
      transport.disconnect()
    },
    goOnline() {
      wantOnline = true
      if (leader) transport.connect()
    },
    async close() {
      closed = true
      statusSub.unsubscribe()
      for (const c of cleanups.splice(0)) c()
      await Promise.all(Object.values(replications).map((r) => r.cancel()))
      transport.close()
      await db.close()
    },
  }
  return api
}
