import { type ExpressionBuilder, type SqlBool, sql, type Transaction } from 'kysely'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import type { KeyPrincipal, Principal } from '../auth/principal'
import type { AppDeps } from '../deps'
import type { AlertRouter } from '../engine/escalation/routing'
import type { Database } from '../store/schema'
import {
  ACTION_NAMES,
  type ActionMeta,
  type AlertAction,
  applyAction,
  touchesEscalation,
} from './alert-actions'
import type { AlertRow } from './alert-row'
import { type CreateInput, type CreateOutcome, createAlertsGroup } from './create-alerts'
import type { GroupCommitWriter, WriteGroup } from './group-commit'

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
  // Literal SQL truth values: SQLite cannot bind a JavaScript boolean.
  return (eb: ExpressionBuilder<Database, 'alerts'>) =>
    scope.all
      ? sql<SqlBool>`1 = 1`
      : scope.teamIds.length
        ? eb('alerts.team_id', 'in', scope.teamIds)
        : sql<SqlBool>`1 = 0`
}

/** Escalation hooks of the alert service: ingest-time routing, and a nudge after escalation writes. */
export interface EscalationHooks {
  router: AlertRouter
  /** Called after a commit that created or changed escalation runs (the engine looks promptly). */
  changed(): void
}

/**
 * Writes alerts: creates (with dedup on the open alias) and actions, each through the group-commit writer
 * so that a request is answered only once its transaction is durable.
 */
export class AlertService {
  private readonly creates: WriteGroup<CreateInput, CreateOutcome>

  constructor(
    private readonly deps: AppDeps,
    private readonly writer: GroupCommitWriter,
    private readonly escalation?: EscalationHooks,
  ) {
    this.creates = createAlertsGroup(deps.clock, deps.metrics, escalation?.router)
  }

  /** Creates an alert, or raises the count of the open alert with the same alias in the team. */
  async create(
    alert: NormalizedAlert,
    teamId: string,
    integrationId: string | null,
    requestId: string,
  ): Promise<RequestOutcome> {
    const out = await this.writer.submitTo(this.creates, { alert, teamId, integrationId, requestId })
    if (out.status === 'Created alert') this.escalation?.changed()
    return out
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
    const done = this.writer.submit(async (trx, batch) => {
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
    if (!touchesEscalation(action)) return done
    return done.then((r) => {
      if (r.success) this.escalation?.changed()
      return r
    })
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
