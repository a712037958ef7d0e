/*
 * Each pushable collection's RxDB conflict handler: core/sync/merge's three-way merge with the assumed
 * master state as base. A row the server refused outright is reverted to the server's state instead of
 * merged (its reason is already in the issue log), so a refused edit is not pushed again and again.
 */
import type { RxConflictHandler, WithDeleted } from 'rxdb'
import { jsonEqual, type MergeDoc, threeWayMerge } from '../../core/sync/merge'
import type { Clock } from '../../core/time/clock'
import type { SyncIssueLog } from './issues'

export interface ConflictHandlerDeps {
  collection: string
  clock: Clock
  issues: SyncIssueLog
  /** True when the server refused this document in the push being resolved. */
  wasRejected(docId: string): boolean
  /** Called after each resolution; `settled` when the result equals the server's (nothing left to push). */
  onResolved(docId: string, settled: boolean): void
}

/** A conflict handler that merges three ways and logs true conflicts. */
export function createMergeConflictHandler<T>(deps: ConflictHandlerDeps): RxConflictHandler<T> {
  return {
    // Also decides whether a local change needs pushing, so it must notice every difference.
    isEqual: (a, b) => jsonEqual(a, b),
    async resolve(input) {
      const theirs = input.realMasterState as unknown as MergeDoc
      const docId = String(theirs.id)
      if (deps.wasRejected(docId)) {
        deps.onResolved(docId, true)
        return input.realMasterState
      }
      const { merged, conflicts } = threeWayMerge(
        {
          base: input.assumedMasterState as unknown as MergeDoc | undefined,
          mine: input.newDocumentState as unknown as MergeDoc,
          theirs,
        },
        // The server stamps `updatedBy` on every write (schedules, overrides, policies, routing rules, me),
        // so a conflict names the user whose change was kept; documents without it name the server.
        { collection: deps.collection, clock: deps.clock, who: authorOf },
      )
      await deps.issues.addConflicts(conflicts)
      deps.onResolved(docId, jsonEqual(merged, theirs))
      return merged as unknown as WithDeleted<T>
    },
  }
}

/** Who made the server's state: its `updatedBy`, or 'server' for documents that carry none. */
export function authorOf(theirs: MergeDoc): string {
  return typeof theirs.updatedBy === 'string' && theirs.updatedBy !== '' ? theirs.updatedBy : 'server'
}
