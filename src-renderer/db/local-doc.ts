/*
 * Watching one of the database's local documents (sync status, the issue log). RxDB's getLocal$ runs two
 * async steps for every change event of every collection, so a pull of 10,000 alerts queued 20,000
 * promises and made rxjs drop each from an array of thousands: quadratic, and on the live path it added
 * two promise hops to every streamed alert. This reacts to local-document events only.
 */
import { concatMap, filter, type Observable, startWith } from 'rxjs'

/** A stored local document as RxDB returns it. */
export interface LocalDoc {
  toJSON(): { data: unknown }
}

/** The part of an RxDatabase (created with `localDocuments: true`) that local documents need. */
export interface LocalDocumentStore {
  getLocal(id: string): Promise<LocalDoc | null>
  upsertLocal<D>(id: string, data: D): Promise<unknown>
  readonly eventBulks$: Observable<{
    isLocal?: boolean
    collectionName?: string
    events: ReadonlyArray<{ documentId: string }>
  }>
}

/** The local document `id` now, then again after each write to it (null while it does not exist). */
export function watchLocal(db: LocalDocumentStore, id: string): Observable<LocalDoc | null> {
  return db.eventBulks$.pipe(
    // A database's own local documents carry no collection name; a collection's do.
    filter((bulk) => !!bulk.isLocal && !bulk.collectionName && bulk.events.some((e) => e.documentId === id)),
    startWith(undefined),
    // In order: a write seen while the previous read is in flight is read again after it.
    concatMap(() => db.getLocal(id)),
  )
}
