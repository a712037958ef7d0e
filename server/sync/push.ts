/**
 * The push handler (RxDB's masterWrite semantics, notes/rxdb.md §2): for each row, the current master is
 * compared with the row's assumedMasterState (deep equality, key order ignored); equal → written, else the
 * master comes back as a conflict. A row already equal to the master is a duplicate push and changes
 * nothing. A refused row comes back as a rejection with its reason and the master (or a tombstone) as a
 * conflict, so the client's conflict handler restores the server's state.
 *
 * A malformed or oversized push is refused whole before anything is written. The accepted rows of one
 * push are written in one transaction through the group-commit writer; if it fails unexpectedly, each row
 * is retried in its own transaction so one bad row cannot block the others.
 */
import { isDeepStrictEqual } from 'node:util'
import { clientState, PUSHABLE_COLLECTIONS } from '../../core/sync/documents'
import {
  MAX_PUSH_ROWS,
  type PushRejection,
  type PushResponse,
  type PushRow,
  type SyncCollection,
  type SyncDocument,
  type SyncResult,
} from '../../core/sync/protocol'
import { tombstoneDoc } from '../../core/sync/tombstones'
import { type AuditOrigin, actorOf } from '../audit/record'
import type { AppContext } from '../context'
import { collectionWriteRefusal, type Viewer } from './access'
import { pushCommands } from './commands'
import { documentProblem, pushEnvelopeProblem } from './requests'
import { syncDb } from './tables'
import { WRITERS } from './writers/index'

type Outcome = { conflict?: SyncDocument; rejected?: string }

/** Checks a push and applies its rows; never throws for a client's mistake. */
export async function push(
  ctx: AppContext,
  viewer: Viewer,
  body: unknown,
): Promise<SyncResult<PushResponse>> {
  const problem = pushEnvelopeProblem(body)
  if (problem) return { ok: false, error: { code: 'invalid', message: problem } }
  const { collection, rows } = body as { collection: SyncCollection; rows: PushRow[] }
  if (rows.length > MAX_PUSH_ROWS) {
    return {
      ok: false,
      error: {
        code: 'too-large',
        message: `A push holds at most ${MAX_PUSH_ROWS} rows (got ${rows.length})`,
      },
    }
  }
  const seen = new Set<string>()
  for (const [i, row] of rows.entries()) {
    for (const [name, doc] of [
      ['newDocumentState', row.newDocumentState],
      ['assumedMasterState', row.assumedMasterState],
    ] as const) {
      if (doc === undefined) continue
      const bad = documentProblem(collection, doc)
      if (bad) return { ok: false, error: { code: 'invalid', message: `/rows/${i}/${name}${bad}` } }
    }
    if (row.assumedMasterState && row.assumedMasterState.id !== row.newDocumentState.id) {
      return {
        ok: false,
        error: { code: 'invalid', message: `/rows/${i}: assumedMasterState is another document` },
      }
    }
    if (seen.has(row.newDocumentState.id)) {
      return {
        ok: false,
        error: { code: 'invalid', message: `/rows/${i}: document ${row.newDocumentState.id} twice` },
      }
    }
    seen.add(row.newDocumentState.id)
  }
  if (rows.length === 0) return { ok: true, value: { conflicts: [], rejected: [] } }

  const refusal = collectionWriteRefusal(viewer, collection)
  if (refusal || !PUSHABLE_COLLECTIONS.includes(collection)) {
    const reason = refusal ?? `${collection} is read-only over sync`
    return { ok: true, value: await refuseAll(ctx, viewer, collection, rows, reason) }
  }
  if (collection === 'alertCommands') return { ok: true, value: await pushCommands(ctx, viewer, rows) }

  const origin = (): AuditOrigin => ({ at: ctx.clock.now(), actor: actorOf(viewer), requestId: null })
  let outcomes: Outcome[]
  try {
    outcomes = await ctx.writer.submit(async (trx) => {
      const out: Outcome[] = []
      for (const row of rows) out.push(await applyRow(syncDb(trx), viewer, collection, row, origin()))
      return out
    })
  } catch (err) {
    ctx.logger.warn({ err, collection }, 'sync push failed as a whole; retrying its rows one by one')
    outcomes = []
    for (const row of rows) {
      try {
        outcomes.push(
          await ctx.writer.submit((trx) => applyRow(syncDb(trx), viewer, collection, row, origin())),
        )
      } catch (rowErr) {
        ctx.logger.warn({ err: rowErr, collection }, 'sync push row failed')
        const master = await currentFor(ctx, viewer, collection, row.newDocumentState.id)
        outcomes.push({ conflict: master, rejected: 'The server could not apply this change' })
      }
    }
  }
  return { ok: true, value: collect(rows, outcomes) }
}

function collect(rows: PushRow[], outcomes: Outcome[]): PushResponse {
  const conflicts: SyncDocument[] = []
  const rejected: PushRejection[] = []
  outcomes.forEach((o, i) => {
    if (o.conflict) conflicts.push(o.conflict)
    const id = rows[i]?.newDocumentState.id ?? ''
    if (o.rejected) rejected.push({ id, reason: o.rejected })
  })
  return { conflicts, rejected }
}

/** The master state of a document as this viewer may know it: the document, or a tombstone. */
async function currentFor(
  ctx: AppContext,
  viewer: Viewer,
  collection: SyncCollection,
  id: string,
): Promise<SyncDocument> {
  const writer = WRITERS[collection]
  const found = writer ? await writer.load(syncDb(ctx.store.db), id) : undefined
  return found?.visible(viewer) ? found.doc : tombstoneDoc(collection, id)
}

async function refuseAll(
  ctx: AppContext,
  viewer: Viewer,
  collection: SyncCollection,
  rows: PushRow[],
  reason: string,
): Promise<PushResponse> {
  const conflicts: SyncDocument[] = []
  for (const row of rows) {
    const master = await currentFor(ctx, viewer, collection, row.newDocumentState.id).catch(() =>
      tombstoneDoc(collection, row.newDocumentState.id),
    )
    // A duplicate of what the server has is no change, so nothing to refuse.
    if (!sameClientState(master, row.newDocumentState)) conflicts.push(master)
  }
  return {
    conflicts,
    rejected: rows
      .filter((r) => conflicts.some((c) => c.id === r.newDocumentState.id))
      .map((r) => ({ id: r.newDocumentState.id, reason })),
  }
}

/** One row inside the push's transaction. */
async function applyRow(
  db: ReturnType<typeof syncDb>,
  viewer: Viewer,
  collection: SyncCollection,
  row: PushRow,
  origin: AuditOrigin,
): Promise<Outcome> {
  const writer = WRITERS[collection]
  const next = row.newDocumentState
  if (!writer) return { conflict: tombstoneDoc(collection, next.id), rejected: `${collection} is read-only` }
  const found = await writer.load(db, next.id)
  if (found && !found.visible(viewer)) {
    // Someone else's document (or an id already taken): the client may not learn of it.
    return {
      conflict: tombstoneDoc(collection, next.id),
      rejected: 'This id belongs to a document you cannot see',
    }
  }
  const master = found?.doc
  const masterState = master ?? (await tombstoneIfDeleted(db, collection, next.id))
  if (masterState && sameClientState(masterState, next)) return {}
  if (!masterState) {
    if (next._deleted) return {}
  } else if (!row.assumedMasterState || !sameClientState(row.assumedMasterState, masterState)) {
    return { conflict: masterState }
  }
  if (!master && next._deleted) return {}
  const refused = await writer.write(db, viewer, { master, next }, origin)
  if (refused) return { conflict: masterState ?? tombstoneDoc(collection, next.id), rejected: refused }
  return {}
}

async function tombstoneIfDeleted(
  db: ReturnType<typeof syncDb>,
  collection: SyncCollection,
  id: string,
): Promise<SyncDocument | undefined> {
  const t = await db
    .selectFrom('sync_tombstones')
    .select('id')
    .where('collection', '=', collection)
    .where('id', '=', id)
    .executeTakeFirst()
  return t ? tombstoneDoc(collection, id) : undefined
}

/**
 * Equality as a push compares documents: server-owned fields (`updatedBy`) are left out, since the client
 * only echoes the value it last saw; comparing them would turn every edit made before the stream brought
 * the server's new stamp back, and every retry, into a conflict (notes/rxdb.md §2, #6248).
 */
function sameClientState(a: SyncDocument, b: SyncDocument): boolean {
  return isDeepStrictEqual(clientState(a), clientState(b))
}
