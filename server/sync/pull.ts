/** The pull handler: a viewer's changes after a checkpoint, in change-sequence order. */
import type { Kysely } from 'kysely'
import type { Checkpoint, PullResponse } from '../../core/sync/protocol'
import { classOf, type Viewer } from './access'
import { changesOf, highWater } from './changes'
import type { PullRequestBody } from './requests'
import { rememberScope, retracted } from './scope'
import type { SyncDatabase } from './tables'

/**
 * Answers a pull: documents and tombstones the viewer may see with change_seq after the checkpoint, at
 * most batchSize. A checkpoint made under another visibility class (teams or role changed) starts over
 * from the beginning, so documents of a newly joined team are not skipped, and retracts (as tombstones) the
 * documents of teams the viewer no longer reaches (scope.ts). When the batch is not full the
 * checkpoint moves to the high-water mark: the viewer has everything up to it.
 */
export async function pull(
  db: Kysely<SyncDatabase>,
  viewer: Viewer,
  req: PullRequestBody,
  /** Resolves once everything up to `upTo` is durable; awaited before the rows are read (see below). */
  durableTo: (upTo: number) => Promise<void> = () => Promise.resolve(),
): Promise<PullResponse> {
  const scope = classOf(viewer)
  await rememberScope(db, viewer)
  const restart = req.checkpoint !== undefined && req.checkpoint.scope !== scope
  const after = restart ? 0 : (req.checkpoint?.seq ?? 0)
  const upTo = await highWater(db)
  // Wait for durability before reading, not between reading and answering: an answer held back after the
  // read could reach the client after the stream already delivered a newer version of one of its
  // documents, and the client would store the older one over it.
  await durableTo(upTo)
  const changes = await changesOf(db, req.collection, after, upTo, req.batchSize, viewer)
  const last = changes.at(-1)
  const seq = changes.length < req.batchSize ? Math.max(upTo, after) : (last?.seq ?? after)
  const checkpoint: Checkpoint = { seq, scope }
  const documents = changes.map((c) => c.doc)
  // Starting over under a new scope: first retract what the old one showed and this one does not.
  if (restart) documents.unshift(...(await retracted(db, viewer, req.collection, req.checkpoint?.scope)))
  return { documents, checkpoint }
}
