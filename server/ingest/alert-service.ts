import type { ExpressionBuilder, Transaction } from 'kysely'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { newId } from '../../core/ids/ids'
import type { KeyPrincipal, Principal } from '../auth/principal'
import type { AppDeps } from '../deps'
import type { Database } from '../store/schema'
import { ACTION_NAMES, type ActionMeta, type AlertAction, applyAction } from './alert-actions'
import type { AlertRow } from './alert-row'
import type { Batch, GroupCommitWriter } from './group-commit'

export type IdentifierType = 'id' | 'alias' | 'tiny'

/** The outcome of one async alert request, as GET /v2/alerts/requests/{id} reports it. */
export interface RequestOutcome {
  requestId: string
  action: string
  success: boolean
  status: string
  alertId: string
  alias: string
}

/** Which alerts a principal may see and act on: every team, or a list. */
export type TeamScope = { all: true } | { all: false; teamIds: string[] }

/** The teams a principal reaches: an integration key its own team; admins all; others their teams. */
export function scopeOf(p: Principal): TeamScope {
  if (p.kind === 'key') return { all: false, teamIds: [p.teamId] }
  if (p.role === 'owner' || p.role === 'admin') return { all: true }
  return { all: false, teamIds: [...p.teams.keys()] }
}

/** A where-clause restricting alerts to a scope. */
export function inScope(scope: TeamScope) {
  return (eb: ExpressionBuilder<Database, 'alerts'>) =>
    scope.all
      ? eb.val(true)
      : scope.teamIds.length
        ? eb('alerts.team_id', 'in', scope.teamIds)
        : eb.val(false)
}

/**
 * Writes alerts: creates (with dedup on the open alias) and actions, each through the group-commit writer
 * so that a request is answered only once its transaction is durable.
 */
export class AlertService {
  constructor(
    private readonly deps: AppDeps,
    private readonly writer: GroupCommitWriter,
  ) {}

  /** Creates an alert, or raises the count of the open alert with the same alias in the team. */
  create(
    alert: NormalizedAlert,
    teamId: string,
    integrationId: string | null,
    requestId: string,
  ): Promise<RequestOutcome> {
    return this.writer.submit((trx, batch) =>
      this.writeCreate(trx, batch, alert, teamId, integrationId, requestId),
    )
  }

  /** Applies an action to the alert an identifier names; a missing alert is an outcome, not an error. */
  act(
    principal: Principal,
    identifier: string,
    identifierType: IdentifierType,
    action: AlertAction,
    meta: ActionMeta,
    requestId: string,
  ): Promise<RequestOutcome> {
    const scope = scopeOf(principal)
    const integrationId = principal.kind === 'key' ? principal.integrationId : null
    return this.writer.submit(async (trx, batch) => {
      const now = this.deps.clock.now()
      const name = ACTION_NAMES[action.type]
      const row = await findAlert(trx, identifier, identifierType, scope)
      const outcome = row
        ? await applyAction(trx, batch, row, action, meta, now)
        : { success: false, status: 'Alert does not exist' }
      const result: RequestOutcome = {
        requestId,
        action: name,
        success: outcome.success,
        status: outcome.status,
        alertId: row?.id ?? '',
        alias: row?.alias ?? '',
      }
      batch.request(requestRow(result, integrationId, now))
      return result
    })
  }

  private async writeCreate(
    trx: Transaction<Database>,
    batch: Batch,
    a: NormalizedAlert,
    teamId: string,
    integrationId: string | null,
    requestId: string,
  ): Promise<RequestOutcome> {
    const now = this.deps.clock.now()
    const id = newId()
    const alias = a.alias ?? id
    const seq = await batch.next('change_seq')
    // One statement decides create-or-dedup; the unique (team_id, open_alias) index makes it race-free.
    const row = await trx
      .insertInto('alerts')
      .values({
        id,
        tiny_id: await batch.next('tiny_id'),
        team_id: teamId,
        integration_id: integrationId,
        alias,
        open_alias: alias,
        message: a.message,
        description: a.description,
        status: 'open',
        acknowledged: 0,
        is_seen: 0,
        snoozed: 0,
        snoozed_until: null,
        count: 1,
        last_occurred_at: now,
        created_at: now,
        updated_at: now,
        source: a.source,
        entity: a.entity,
        owner: '',
        priority: a.priority,
        tags: JSON.stringify(a.tags),
        details: JSON.stringify(a.details),
        actions: JSON.stringify(a.actions),
        responders: JSON.stringify(a.responders),
        visible_to: JSON.stringify(a.visibleTo),
        ack_time: null,
        close_time: null,
        acknowledged_by: '',
        closed_by: '',
        change_seq: seq,
      })
      .onConflict((oc) =>
        oc.columns(['team_id', 'open_alias']).doUpdateSet((eb) => ({
          count: eb('alerts.count', '+', 1),
          last_occurred_at: now,
          updated_at: now,
          change_seq: seq,
        })),
      )
      .returning(['id', 'count', 'alias'])
      .executeTakeFirstOrThrow()

    const created = row.count === 1 && row.id === id
    this.deps.metrics.alertsIngested.inc({ outcome: created ? 'created' : 'deduplicated' })
    if (created) {
      if (a.tags.length) {
        await trx
          .insertInto('alert_tags')
          .values(a.tags.map((tag) => ({ alert_id: id, tag })))
          .execute()
      }
      const details = Object.entries(a.details)
      if (details.length) {
        await trx
          .insertInto('alert_details')
          .values(details.map(([key, value]) => ({ alert_id: id, key, value })))
          .execute()
      }
      const via = a.source ? ` via ${a.source}` : ''
      batch.log({ alert_id: id, created_at: now, type: 'create', owner: a.user, log: `Alert created${via}` })
      for (const notice of a.notices) {
        batch.log({ alert_id: id, created_at: now, type: 'notice', owner: 'system', log: notice })
      }
      if (a.note) {
        await trx
          .insertInto('alert_notes')
          .values({ alert_id: id, created_at: now, owner: a.user, note: a.note })
          .execute()
      }
    } else {
      this.deps.metrics.dedupHits.inc()
      // Opsgenie keeps message and description on dedup; the new message goes to the log only.
      batch.log({
        alert_id: row.id,
        created_at: now,
        type: 'deduplicate',
        owner: a.user,
        log: `Alert occurred again (count ${row.count}): ${a.message}`,
      })
    }
    const result: RequestOutcome = {
      requestId,
      action: 'Create',
      success: true,
      status: created ? 'Created alert' : 'Alert deduplicated',
      alertId: row.id,
      alias: row.alias,
    }
    batch.request(requestRow(result, integrationId, now))
    return result
  }
}

function requestRow(r: RequestOutcome, integrationId: string | null, now: number) {
  return {
    request_id: r.requestId,
    action: r.action,
    integration_id: integrationId,
    success: r.success ? 1 : 0,
    status: r.status,
    alert_id: r.alertId,
    alias: r.alias,
    processed_at: now,
  }
}

/** Finds the alert an Opsgenie identifier names within a scope; an alias names only an open alert. */
export async function findAlert(
  db: Transaction<Database> | AppDeps['store']['db'],
  identifier: string,
  type: IdentifierType,
  scope: TeamScope,
): Promise<AlertRow | undefined> {
  let q = db.selectFrom('alerts').selectAll().where(inScope(scope))
  if (type === 'alias') q = q.where('open_alias', '=', identifier)
  else if (type === 'tiny') {
    const n = Number(identifier)
    if (!Number.isSafeInteger(n)) return undefined
    q = q.where('tiny_id', '=', n)
  } else q = q.where('id', '=', identifier)
  return q.executeTakeFirst()
}

/** The key principal's integration id, or null for users. */
export function integrationOf(p: Principal): string | null {
  return p.kind === 'key' ? (p as KeyPrincipal).integrationId : null
}
