import type { Kysely } from 'kysely'
import type { AuditAction, AuditActorKind, AuditEntityType } from '../../core/model/audit'
import type { Clock } from '../../core/time/clock'
import type { Principal } from '../auth/principal'
import type { Database } from '../store/schema'
import { redact } from './redact'

/** Who made a change, as the audit log names them. */
export interface AuditActor {
  kind: AuditActorKind
  id: string
  name: string
}

/** The object a change touched; `name` is kept as it was then, so entries still read well after a delete. */
export interface AuditEntity {
  type: AuditEntityType
  id: string
  name: string
}

/** When, by whom and under which request: the part of an entry that does not depend on the change. */
export interface AuditOrigin {
  at: number
  actor: AuditActor
  requestId: string | null
}

/** One change to record; `before` is absent for creations, `after` for deletions. */
export interface AuditRecord extends AuditOrigin {
  action: AuditAction
  entity: AuditEntity
  before?: object | null
  after?: object | null
}

/** The actor of first-start creations and other changes Vigil makes by itself. */
export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: 'system', name: 'Vigil' }

/** The audit actor for a request's principal: the user, or the integration whose key was used. */
export function actorOf(p: Principal): AuditActor {
  return p.kind === 'user'
    ? { kind: 'user', id: p.userId, name: p.username }
    : { kind: 'key', id: p.integrationId, name: p.integrationName }
}

/** The origin of a change made by an HTTP request, timed by the injected clock. */
export function originOf(req: { principal: Principal; id: unknown }, clock: Clock): AuditOrigin {
  return { at: clock.now(), actor: actorOf(req.principal), requestId: String(req.id) }
}

/** The origin of a change Vigil makes by itself (bootstrap, housekeeping). */
export function systemOrigin(clock: Clock, actor: AuditActor = SYSTEM_ACTOR): AuditOrigin {
  return { at: clock.now(), actor, requestId: null }
}

function snapshot(value: object | null | undefined): string | null {
  return value == null ? null : JSON.stringify(redact(value))
}

/**
 * Writes one audit entry. Pass the transaction that makes the change, so the entry commits and rolls
 * back with it: a change that did not happen leaves no entry, one that did always has one. Snapshots are
 * redacted here, whatever the caller passed (see redact.ts), so no secret reaches the table.
 */
export async function recordAudit(db: Kysely<Database>, entry: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      actor_name: entry.actor.name,
      action: entry.action,
      entity_type: entry.entity.type,
      entity_id: entry.entity.id,
      entity_name: entry.entity.name,
      before: snapshot(entry.before),
      after: snapshot(entry.after),
      request_id: entry.requestId,
    })
    .execute()
}
