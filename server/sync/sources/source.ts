import type { Kysely } from 'kysely'
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely'
import type { SyncDocument } from '../../../core/sync/protocol'
import type { Audience, Viewer } from '../access'
import type { SyncDatabase } from '../tables'

/** One changed document: its change sequence, its replicated form, and who may see it. */
export interface Change {
  seq: number
  doc: SyncDocument
  audience: Audience
}

/**
 * Where one collection's documents come from. `changed` returns the documents (tombstones are read
 * separately) with `after` < change_seq <= `upTo`, in change-sequence order, at most `limit`; with a
 * viewer only those the viewer may see, without one all of them (the stream filters by room). `upTo` is a
 * committed high-water mark (see changes.ts), so every row below it is visible to every later statement.
 */
export interface Source {
  changed(
    db: Kysely<SyncDatabase>,
    after: number,
    upTo: number,
    limit: number,
    viewer?: Viewer,
  ): Promise<Change[]>
}

/** A where-clause keeping rows whose team column is one of `teams` (undefined = every team). */
export function inTeams<TB extends keyof SyncDatabase>(
  eb: ExpressionBuilder<SyncDatabase, TB>,
  column: string,
  teams: readonly string[] | undefined,
): Expression<SqlBool> {
  // Literal SQL truth values: SQLite cannot bind a JavaScript boolean.
  if (teams === undefined) return sql<SqlBool>`1 = 1`
  if (teams.length === 0) return sql<SqlBool>`1 = 0`
  return eb(sql.ref<string>(column), 'in', [...teams])
}

/** Merges change lists that are each in sequence order into one, keeping the first `limit`. */
export function mergeChanges(lists: Change[][], limit: number): Change[] {
  return lists
    .flat()
    .sort((a, b) => a.seq - b.seq)
    .slice(0, limit)
}

/** Parses a JSON column, falling back when it is unreadable (a bad row must not stop replication). */
export function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** A team-audience helper. */
export const teamAudience = (teamId: string): Audience => ({ kind: 'team', teamId })
/** A user-audience helper. */
export const userAudience = (userId: string): Audience => ({ kind: 'user', userId })
/** The everyone audience. */
export const ALL: Audience = { kind: 'all' }
