/**
 * `updatedBy` of the pushable documents (issue 4 §3: a conflict names who made the server's change),
 * derived from the audit log rather than kept in a column.
 *
 * Why the audit log: every configuration change, through the HTTP API or a sync push, writes an audit_log
 * row naming its actor in the transaction of the change (server/audit/record.ts), so the log already is a
 * complete and consistent record of who last wrote each entity, and committed together with the change
 * the stream serves. A column would need every HTTP route that writes these tables to set it (and would go
 * stale the first time one forgot). Reads stay cheap: one query per pulled batch, never one per document,
 * served by the audit_log_entity (entity_type, entity_id) index; the writers' single-document loads use
 * the same query.
 *
 * Which entries name a document (its AuditKeys): its own entity (the type both the HTTP API and the sync
 * writers record) plus the HTTP API's finer-grained ones: a schedule's rotations ('rotation', by rotation
 * id, UUIDs there) and an override by schedule and alias ('override', `schedule:alias`). The latest entry
 * among them wins. Known limit: a row changed only as a side effect, without an entry of its own (siblings
 * renumbered by a reorder, overrides pruned with a rotation, a rotation deleted over HTTP, whose id is no
 * longer in the schedule), keeps the author of its last entry.
 */
import type { Kysely } from 'kysely'
import type {
  EscalationPolicyDoc,
  MeDoc,
  OverrideDoc,
  RoutingRuleDoc,
  ScheduleDoc,
} from '../../../core/sync/documents'
import type { SyncDatabase } from '../tables'

/** One audit entity (audit_log.entity_type, entity_id) whose entries name a document's author. */
export interface AuditKey {
  type: string
  id: string
}

/** A schedule: its own entries and those of its rotations. */
export const scheduleKeys = (d: ScheduleDoc): AuditKey[] => [
  { type: 'schedule', id: d.id },
  ...d.rotations.map((r) => ({ type: 'rotation', id: r.id })),
]

/** An override: as the sync writer records it (row id) and as the HTTP API does (schedule and alias). */
export const overrideKeys = (d: OverrideDoc): AuditKey[] => [
  { type: 'schedule-override', id: d.id },
  { type: 'override', id: `${d.scheduleId}:${d.alias}` },
]

/** An escalation policy. */
export const policyKeys = (d: EscalationPolicyDoc): AuditKey[] => [{ type: 'escalation', id: d.id }]

/** A routing rule. */
export const routingRuleKeys = (d: RoutingRuleDoc): AuditKey[] => [{ type: 'routing-rule', id: d.id }]

/** A contact or a notification rule of `me`. */
export const meKeys = (d: MeDoc): AuditKey[] => [
  { type: d.kind === 'contact' ? 'contact' : 'notification-rule', id: d.id },
]

/** Keys per query: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500

/**
 * Sets each document's `updatedBy` to the actor of the latest audit entry among its keys (left absent
 * when there is none). One query per 500 keys; the documents are changed in place and returned.
 */
export async function stampAuthors<T extends { updatedBy?: string }>(
  db: Kysely<SyncDatabase>,
  docs: T[],
  keysOf: (doc: T) => AuditKey[],
): Promise<T[]> {
  if (docs.length === 0) return docs
  const keysByDoc = docs.map(keysOf)
  const latest = await latestEntries(db, keysByDoc.flat())
  docs.forEach((doc, i) => {
    let best: { id: number; actor: string } | undefined
    for (const key of keysByDoc[i] ?? []) {
      const entry = latest.get(keyOf(key))
      if (entry && (!best || entry.id > best.id)) best = entry
    }
    if (best) doc.updatedBy = best.actor
  })
  return docs
}

const keyOf = (k: AuditKey) => `${k.type}\u0000${k.id}`

/** The latest entry (id and actor name) of each key that has one. */
async function latestEntries(
  db: Kysely<SyncDatabase>,
  keys: AuditKey[],
): Promise<Map<string, { id: number; actor: string }>> {
  const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()]
  const out = new Map<string, { id: number; actor: string }>()
  for (let i = 0; i < unique.length; i += CHUNK) {
    const byType = new Map<string, string[]>()
    for (const k of unique.slice(i, i + CHUNK)) byType.set(k.type, [...(byType.get(k.type) ?? []), k.id])
    const rows = await db
      .selectFrom('audit_log')
      .select(['id', 'entity_type', 'entity_id', 'actor_name'])
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('audit_log')
          .select((e) => e.fn.max('id').as('latest'))
          .where((e) =>
            e.or(
              [...byType].map(([type, ids]) =>
                e.and([e('entity_type', '=', type), e('entity_id', 'in', ids)]),
              ),
            ),
          )
          .groupBy(['entity_type', 'entity_id']),
      )
      .execute()
    // node-postgres answers BIGINT as a string.
    for (const r of rows)
      out.set(keyOf({ type: r.entity_type, id: r.entity_id }), { id: Number(r.id), actor: r.actor_name })
  }
  return out
}
