/*
 * What the UI shows about the sync: online (connected, nothing to do), syncing (connected and pulling,
 * pushing, or holding local changes not yet pushed), offline; plus the number of local changes not yet
 * pushed. Changes count from the local write until the server accepted them or a conflict was resolved.
 */

import {
  getAssumedMasterState,
  getChangedDocumentsSince,
  getLastCheckpointDoc,
  type RxCollection,
  writeDocToDocState,
} from 'rxdb'
import type { RxReplicationState } from 'rxdb/plugins/replication'
import {
  asyncScheduler,
  BehaviorSubject,
  combineLatest,
  distinctUntilChanged,
  map,
  type Observable,
  of,
  type SchedulerLike,
  switchMap,
  timer,
} from 'rxjs'
import { jsonEqual } from '../../core/sync/merge'

export type SyncState = 'online' | 'offline' | 'syncing'

export interface SyncStatus {
  state: SyncState
  /** Local changes (documents) not yet accepted by the server. */
  pending: number
  /** While offline: why (`unauthorized` means sign in again), when known. */
  problem?: { code: string; message: string }
}

/**
 * Contexts of the writes a replication makes itself (pulled documents, resolved conflicts): not local
 * changes. A resolved conflict stays pending anyway until its merge is pushed or equals the server's.
 */
const REPLICATION_CONTEXT = 'replication-'

/** Tracks which documents changed locally and are not pushed yet, per collection. */
export class PendingChanges {
  private readonly ids = new Map<string, Set<string>>()
  private readonly count = new BehaviorSubject(0)
  readonly count$: Observable<number> = this.count.pipe(distinctUntilChanged())

  /** Starts counting local writes to the collection; returns the unsubscribe. */
  track(name: string, collection: RxCollection): () => void {
    const sub = collection.eventBulks$.subscribe((bulk) => {
      if (bulk.context.startsWith(REPLICATION_CONTEXT)) return
      this.mark(
        name,
        bulk.events.map((e) => e.documentId),
      )
    })
    return () => sub.unsubscribe()
  }

  /** Records documents as changed locally. */
  mark(name: string, docIds: string[]): void {
    const set = this.ids.get(name) ?? new Set<string>()
    this.ids.set(name, set)
    for (const id of docIds) set.add(id)
    this.publish()
  }

  /** Records documents as accepted by the server (or settled otherwise). */
  settle(name: string, docIds: string[]): void {
    const set = this.ids.get(name)
    if (!set) return
    for (const id of docIds) set.delete(id)
    this.publish()
  }

  private publish(): void {
    let n = 0
    for (const set of this.ids.values()) n += set.size
    this.count.next(n)
  }
}

/** Combines connection, replication activity and pending changes into the UI's status. */
export function syncStatus$(
  connected$: Observable<boolean>,
  active$: Observable<boolean>[],
  pending$: Observable<number>,
  problem$: Observable<{ code: string; message: string } | undefined> = of(undefined),
): Observable<SyncStatus> {
  const anyActive$ =
    active$.length === 0 ? of(false) : combineLatest(active$).pipe(map((all) => all.some(Boolean)))
  return combineLatest([connected$, anyActive$, pending$, problem$]).pipe(
    map(([connected, active, pending, problem]): SyncStatus => {
      if (!connected) return problem ? { state: 'offline', pending, problem } : { state: 'offline', pending }
      return { state: active || pending > 0 ? 'syncing' : 'online', pending }
    }),
    distinctUntilChanged(sameStatus),
  )
}

/** True once `active$` has stayed true for `ms`, false as soon as it is false: brief activity is not shown. */
export function sustained(
  active$: Observable<boolean>,
  ms: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<boolean> {
  return active$.pipe(
    distinctUntilChanged(),
    switchMap((a) => (a ? timer(ms, scheduler).pipe(map(() => true)) : of(false))),
    distinctUntilChanged(),
  )
}

/** Whether two statuses would show the same in the UI. */
export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.state === b.state &&
    a.pending === b.pending &&
    a.problem?.code === b.problem?.code &&
    a.problem?.message === b.problem?.message
  )
}

/**
 * The documents of a started push replication that the server does not have yet: changed since the
 * upstream checkpoint and different from the assumed master state (RxDB's own upstream rule). Run before
 * connecting, so that the pending count survives a restart of the app.
 */
export async function unpushedDocIds<T, C>(replication: RxReplicationState<T, C>): Promise<string[]> {
  await replication.startPromise
  const state = replication.internalReplicationState
  if (!state) return []
  const ids: string[] = []
  let checkpoint = await getLastCheckpointDoc<T, unknown>(state, 'up')
  for (;;) {
    const batch = await getChangedDocumentsSince(state.input.forkInstance, 500, checkpoint)
    if (batch.documents.length === 0) return ids
    const docIds = batch.documents.map((d) => String((d as Record<string, unknown>)[state.primaryPath]))
    const assumed = await getAssumedMasterState(state, docIds)
    batch.documents.forEach((doc, i) => {
      const id = docIds[i] as string
      const master = assumed[id]
      if (!master || !jsonEqual(master.docData, writeDocToDocState(doc, false, false))) ids.push(id)
    })
    checkpoint = batch.checkpoint
  }
}
