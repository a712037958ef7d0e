/*
 * What the sync could not do silently, kept for the UI: merge conflicts (both values, who, when) and pushes
 * the server refused (with its reason). Stored as RxDB local documents, which do not count against the
 * 13-collection limit and are shared by every window through the same store.
 */
import { map, type Observable } from 'rxjs'
import type { MergeConflict } from '../../core/sync/merge'
import { type LocalDoc, type LocalDocumentStore, watchLocal } from './local-doc'

/** A merge conflict as listed in the UI; `key` identifies it for dismissal. */
export interface ConflictRecord extends MergeConflict {
  key: string
}

/** A pushed change the server refused; the server's state was kept. */
export interface RejectionRecord {
  key: string
  collection: string
  docId: string
  reason: string
  when: number
}

const CONFLICTS = 'sync-conflicts'
const REJECTIONS = 'sync-rejections'

export interface SyncIssueLog {
  readonly conflicts$: Observable<ConflictRecord[]>
  readonly rejections$: Observable<RejectionRecord[]>
  conflicts(): Promise<ConflictRecord[]>
  rejections(): Promise<RejectionRecord[]>
  addConflicts(conflicts: MergeConflict[]): Promise<void>
  addRejection(rejection: Omit<RejectionRecord, 'key'>): Promise<void>
  /** Removes entries the user has dealt with. */
  dismiss(keys: string[]): Promise<void>
}

type Entry = { key: string }

/** The issue log of a database created with `localDocuments: true`. */
export function createSyncIssueLog(db: LocalDocumentStore): SyncIssueLog {
  // One writer queue: a read-modify-write of a local document must not interleave with another.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = (task: () => Promise<void>): Promise<void> => {
    const next = queue.then(task)
    queue = next.catch(() => {})
    return next
  }
  const read = async <T extends Entry>(id: string): Promise<T[]> => {
    const doc = await db.getLocal(id)
    return itemsOf<T>(doc)
  }
  const append = <T extends Entry>(id: string, entries: T[]) =>
    serial(async () => {
      if (entries.length === 0) return
      const items = await read<T>(id)
      const known = new Set(items.map((i) => i.key))
      const fresh = entries.filter((e) => !known.has(e.key))
      if (fresh.length === 0) return
      // No cap: nothing is dropped without the user dismissing it (DESIGN.md, Sync).
      await db.upsertLocal(id, { items: [...items, ...fresh] })
    })
  const watch = <T extends Entry>(id: string): Observable<T[]> =>
    watchLocal(db, id).pipe(map((doc) => itemsOf<T>(doc)))

  return {
    conflicts$: watch<ConflictRecord>(CONFLICTS),
    rejections$: watch<RejectionRecord>(REJECTIONS),
    conflicts: () => read<ConflictRecord>(CONFLICTS),
    rejections: () => read<RejectionRecord>(REJECTIONS),
    addConflicts: (conflicts) =>
      // RxDB may resolve the same conflict twice (a 409 on the local write): the key makes that one entry.
      append(
        CONFLICTS,
        conflicts.map((c) => ({
          ...c,
          key: [c.collection, c.docId, c.field, JSON.stringify(c.mine), JSON.stringify(c.theirs)].join(
            '\u0000',
          ),
        })),
      ),
    addRejection: (r) =>
      append(REJECTIONS, [{ ...r, key: [r.collection, r.docId, r.when, r.reason].join('\u0000') }]),
    dismiss: (keys) =>
      serial(async () => {
        const drop = new Set(keys)
        for (const id of [CONFLICTS, REJECTIONS]) {
          const items = await read<Entry>(id)
          const kept = items.filter((i) => !drop.has(i.key))
          if (kept.length !== items.length) await db.upsertLocal(id, { items: kept })
        }
      }),
  }
}

function itemsOf<T>(doc: LocalDoc | null): T[] {
  const data = doc?.toJSON().data as { items?: T[] } | undefined
  return [...(data?.items ?? [])]
}
