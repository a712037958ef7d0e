import type { Kysely } from 'kysely'
import type { SyncDocument } from '../../../core/sync/protocol'
import type { AuditOrigin } from '../../audit/record'
import type { Viewer } from '../access'
import type { SyncDatabase } from '../tables'

/** What a collection writer gets for one row that passed the generic checks (assumed state = master). */
export interface RowWrite<T extends SyncDocument = SyncDocument> {
  /** The current master state, absent when the document never existed (or only as a tombstone). */
  master: T | undefined
  next: T
}

/**
 * Writes one collection's pushed documents. A writer checks everything (permissions, domain rules,
 * uniqueness) before its first statement, and answers a refusal as a reason string; it throws only for
 * unexpected failures (the push then retries its rows one transaction each).
 */
export interface CollectionWriter<T extends SyncDocument = SyncDocument> {
  /** The document as it is now, if it exists (visible or not: `visible` tells the caller). */
  load(db: Kysely<SyncDatabase>, id: string): Promise<{ doc: T; visible: (v: Viewer) => boolean } | undefined>
  /** Inserts, updates or (next._deleted) deletes; returns why not, or undefined when written. */
  write(
    db: Kysely<SyncDatabase>,
    viewer: Viewer,
    row: RowWrite<T>,
    origin: AuditOrigin,
  ): Promise<string | undefined>
}
