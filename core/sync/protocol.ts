/*
 * The replication protocol between the server (server/sync) and the console (src-renderer/db), carried
 * over one Socket.IO connection per app. It follows what RxDB's replicateRxCollection expects from a
 * custom backend (notes/rxdb.md §2): pull after a checkpoint, push rows answered with conflicts, and a
 * stream of changes or RESYNC. Checkpoints are the server's change sequence, never a client clock.
 *
 * Every request is a Socket.IO event with an acknowledgement; the answer is a SyncResult, never a thrown
 * error, so a client can always tell "the server said no, because" from "the network failed".
 */

/** The replicated collections; RxDB allows 13 per realm and the console keeps one free. */
export const SYNC_COLLECTIONS = [
  'alerts',
  'alertLogs',
  'alertCommands',
  'teams',
  'users',
  'schedules',
  'overrides',
  'escalationPolicies',
  'routingRules',
  'integrations',
  /** Heartbeats and maintenance windows, told apart by a `kind` field. */
  'monitoring',
  /** The signed-in user's own contact methods and notification rules. */
  'me',
] as const
export type SyncCollection = (typeof SYNC_COLLECTIONS)[number]

/** Socket.IO event names; `stream` and `notify` go server to client, the rest client to server. */
export const SYNC_EVENTS = {
  pull: 'sync:pull',
  push: 'sync:push',
  /** Server → client: StreamMessage for one collection. */
  stream: 'sync:stream',
  /**
   * Server → client, to sockets that asked for it in the handshake (STREAM_BATCH_AUTH): StreamMessage[],
   * every collection's message of one change-feed tick in one packet, in the order they would have come.
   */
  streams: 'sync:streams',
  /** Server → client: a desktop notification (server/channels); the client acknowledges receipt. */
  notify: 'vigil:notify',
  /** Server → client: `{code, message}` just before the server drops the socket (session ended). */
  error: 'sync:error',
} as const

/**
 * Handshake `auth` field by which a client asks for `sync:streams` (one packet per tick) instead of one
 * `sync:stream` packet per collection. Clients that do not send it (older apps) get the single messages.
 */
export const STREAM_BATCH_AUTH = 'streamBatch'

/** Where a client stands in a collection: the server change sequence of the last document it has. */
export interface Checkpoint {
  seq: number
  /**
   * What the user could see when the checkpoint was made (server-made, opaque). When it no longer matches
   * (a team joined or left, a role changed) the server pulls from the beginning instead of after `seq`.
   */
  scope?: string
}

/** Largest pull batch the server serves; RxDB stops iterating on a short batch, so ask for ≤ this. */
export const MAX_PULL_BATCH = 1000
/** Most rows in one push; a larger push is rejected whole. */
export const MAX_PUSH_ROWS = 200
/** Largest Socket.IO message the server accepts (bytes); a larger push is refused by the transport. */
export const MAX_MESSAGE_BYTES = 1_048_576

/** Every replicated document carries RxDB's deletion flag; the server never deletes, it tombstones. */
export interface SyncDocument {
  id: string
  _deleted: boolean
}

export interface PullRequest {
  collection: SyncCollection
  /** Absent on the first pull: start from the beginning. */
  checkpoint?: Checkpoint
  batchSize: number
}

export interface PullResponse<T extends SyncDocument = SyncDocument> {
  /** Documents changed strictly after the checkpoint, in change-sequence order, tombstones included. */
  documents: T[]
  /** The checkpoint of the last document, or the request's checkpoint when nothing changed. */
  checkpoint: Checkpoint | undefined
}

export interface PushRow<T extends SyncDocument = SyncDocument> {
  /** What the client believes the server has; absent for a document the client created. */
  assumedMasterState?: T
  newDocumentState: T
}

export interface PushRequest<T extends SyncDocument = SyncDocument> {
  collection: SyncCollection
  rows: PushRow<T>[]
}

/** Why the server refused a pushed row: shown to the user; the server's state is unchanged. */
export interface PushRejection {
  id: string
  reason: string
}

export interface PushResponse<T extends SyncDocument = SyncDocument> {
  /** The real master state of every row whose assumed state was stale, or that was rejected. */
  conflicts: T[]
  rejected: PushRejection[]
}

/** A live change: documents and the checkpoint after them, or RESYNC (pull from your checkpoint). */
export type StreamMessage<T extends SyncDocument = SyncDocument> =
  | { collection: SyncCollection; documents: T[]; checkpoint: Checkpoint }
  | { collection: SyncCollection; resync: true }

/** Machine-readable reasons a whole request failed. */
export type SyncErrorCode = 'unauthorized' | 'forbidden' | 'invalid' | 'too-large' | 'unavailable'

/** What every acknowledgement carries: the answer, or why there is none. */
export type SyncResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: SyncErrorCode; message: string } }
