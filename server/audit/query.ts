import type { Kysely, Selectable } from 'kysely'
import type { AuditEntry } from '../../core/model/audit'
import type { AuditLogTable, Database } from '../store/schema'

/** Filters of an audit listing; times are epoch ms, `from` inclusive and `to` exclusive. */
export interface AuditFilter {
  entityType?: string
  entityId?: string
  actorId?: string
  from?: number
  to?: number
  /** Only entries with a smaller id (the last id of the previous page). */
  beforeId?: number
  limit: number
}

/** One page of entries, newest first; `nextBeforeId` is set when more entries match. */
export interface AuditPage {
  entries: AuditEntry[]
  nextBeforeId?: number
}

/**
 * Reads a page of the audit log, newest first by id. Ids, not times, order the pages: two entries can
 * share a millisecond, and a cursor on the id never skips or repeats one while new entries arrive.
 */
export async function listAudit(db: Kysely<Database>, f: AuditFilter): Promise<AuditPage> {
  let q = db.selectFrom('audit_log').selectAll()
  if (f.entityType !== undefined) q = q.where('entity_type', '=', f.entityType)
  if (f.entityId !== undefined) q = q.where('entity_id', '=', f.entityId)
  if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId)
  if (f.from !== undefined) q = q.where('at', '>=', f.from)
  if (f.to !== undefined) q = q.where('at', '<', f.to)
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId)
  // One row more than asked tells whether another page exists without a second query.
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute()
  const page = rows.slice(0, f.limit).map(auditView)
  const last = page[page.length - 1]
  return rows.length > f.limit && last ? { entries: page, nextBeforeId: last.id } : { entries: page }
}

/** An audit row as the API shows it. */
export function auditView(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name },
    action: row.action,
    entity: { type: row.entity_type, id: row.entity_id, name: row.entity_name },
    before: parseSnapshot(row.before),
    after: parseSnapshot(row.after),
    requestId: row.request_id,
  }
}

function parseSnapshot(text: string | null): Record<string, unknown> | null {
  if (text === null) return null
  try {
    const v = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v }
  } catch {
    // Only Vigil writes this column; an unreadable value is shown rather than failing the whole page.
    return { unreadable: text }
  }
}
