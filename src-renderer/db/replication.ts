/*
 * One replicateRxCollection per collection over the shared transport (notes/rxdb.md §2): pull after the
 * server's change-sequence checkpoint, push rows answered with conflicts (and rejections, logged with the
 * server's reason), and the live stream fed from `sync:stream`. Pull-only collections get no push at all,
 * so a local removal there (retention) never reaches the server.
 */

import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb'
import { type RxReplicationState, replicateRxCollection } from 'rxdb/plugins/replication'
import type { Observable } from 'rxjs'
import {
  type Checkpoint,
  MAX_PULL_BATCH,
  MAX_PUSH_ROWS,
  type PullResponse,
  type PushResponse,
  SYNC_EVENTS,
  type SyncCollection,
  type SyncDocument,
} from '../../core/sync/protocol'
import type { Clock } from '../../core/time/clock'
import type { SyncIssueLog } from './issues'
import type { PendingChanges } from './status'
import type { SyncTransport } from './transport'

export interface CollectionReplicationOptions<T> {
  name: SyncCollection
  collection: RxCollection<T>
  transport: SyncTransport
  stream$: Observable<RxReplicationPullStreamItem<T, Checkpoint>>
  /** Part of the replication identifier: a different server means a different replication. */
  serverUrl: string
  push: boolean
  /** Ids the server refused in the current push; read by the conflict handler. */
  rejected: Set<string>
  issues: SyncIssueLog
  pending: PendingChanges
  clock: Clock
  pullBatchSize?: number
  pushBatchSize?: number
  retryTime?: number
  /** Rewrites pulled documents (retention turns expired alerts into deletions). */
  pullModifier?: (doc: WithDeleted<T>) => WithDeleted<T>
  /** Only the leader replicates when several windows share the store. */
  waitForLeadership?: boolean
}

/** Starts (on first use; the transport waits for the connection) the replication of one collection. */
export function replicateSyncCollection<T>(
  o: CollectionReplicationOptions<T>,
): RxReplicationState<T, Checkpoint> {
  const pullBatchSize = Math.min(o.pullBatchSize ?? MAX_PULL_BATCH, MAX_PULL_BATCH)
  const pushBatchSize = Math.min(o.pushBatchSize ?? 100, MAX_PUSH_ROWS)
  return replicateRxCollection<T, Checkpoint>({
    collection: o.collection,
    replicationIdentifier: `vigil-socketio:${o.name}:${o.serverUrl}`,
    live: true,
    retryTime: o.retryTime ?? 5_000,
    waitForLeadership: o.waitForLeadership ?? true,
    pull: {
      batchSize: pullBatchSize,
      stream$: o.stream$,
      ...(o.pullModifier ? { modifier: o.pullModifier } : {}),
      async handler(checkpoint, batchSize) {
        const res = await o.transport.call<PullResponse>(SYNC_EVENTS.pull, {
          collection: o.name,
          ...(checkpoint ? { checkpoint } : {}),
          batchSize,
        })
        return {
          documents: res.documents as unknown as WithDeleted<T>[],
          checkpoint: res.checkpoint ?? checkpoint,
        }
      },
    },
    ...(o.push
      ? {
          push: {
            batchSize: pushBatchSize,
            async handler(rows) {
              const ids = rows.map((r) => (r.newDocumentState as unknown as SyncDocument).id)
              for (const id of ids) o.rejected.delete(id)
              const res = await o.transport.call<PushResponse>(SYNC_EVENTS.push, { collection: o.name, rows })
              const when = o.clock.now()
              for (const r of res.rejected) {
                o.rejected.add(r.id)
                await o.issues.addRejection({ collection: o.name, docId: r.id, reason: r.reason, when })
              }
              // A conflicting row is still pending: its merge is pushed in the next cycle.
              const conflicting = new Set(res.conflicts.map((c) => c.id))
              o.pending.settle(
                o.name,
                ids.filter((id) => !conflicting.has(id)),
              )
              return res.conflicts as unknown as WithDeleted<T>[]
            },
          },
        }
      : {}),
  })
}
