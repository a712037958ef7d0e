import type { Alert } from '../../core/model/alert'
import {
  type AlertFilter,
  type AlertSortColumn,
  compileAlertQuery,
  tryParseAlertQuery,
} from '../../core/query'
import type { Store } from '../store/store'
import { type AlertRow, type IntegrationRef, toApiAlert } from './alert-row'
import { findAlert, type IdentifierType, inScope, type RequestOutcome, type TeamScope } from './alert-service'

/** Parses a search query into a SQL filter, or the syntax error's message. */
export function alertFilter(
  query: string | undefined,
): { ok: true; filter?: AlertFilter } | { ok: false; error: string } {
  if (!query?.trim()) return { ok: true }
  const parsed = tryParseAlertQuery(query)
  if (!parsed.ok) return { ok: false, error: parsed.error.message }
  return { ok: true, filter: compileAlertQuery(parsed.ast) }
}

export interface ListOptions {
  scope: TeamScope
  filter?: AlertFilter
  offset: number
  limit: number
  sort: AlertSortColumn
  order: 'asc' | 'desc'
}

/** Read side of the alert API: lookups, lists, counts, logs, notes and request statuses. */
export class AlertQueries {
  constructor(private readonly store: Store) {}

  private async integrations(rows: AlertRow[]): Promise<Map<string, IntegrationRef>> {
    const ids = [...new Set(rows.map((r) => r.integration_id).filter((x): x is string => !!x))]
    if (!ids.length) return new Map()
    const found = await this.store.db
      .selectFrom('integrations')
      .select(['id', 'name', 'type'])
      .where('id', 'in', ids)
      .execute()
    return new Map(found.map((i) => [i.id, i]))
  }

  /** Renders rows as API alerts with their integrations resolved in one query. */
  async render(rows: AlertRow[], now: number): Promise<Alert[]> {
    const integrations = await this.integrations(rows)
    return rows.map((r) =>
      toApiAlert(r, r.integration_id ? integrations.get(r.integration_id) : undefined, now),
    )
  }

  /** One alert by id, alias (open alerts only) or tinyId. */
  async get(identifier: string, type: IdentifierType, scope: TeamScope): Promise<AlertRow | undefined> {
    return findAlert(this.store.db, identifier, type, scope)
  }

  /** A page of alerts, ordered, with a stable tie-break on id. */
  async list(o: ListOptions): Promise<AlertRow[]> {
    let q = this.store.db.selectFrom('alerts').selectAll().where(inScope(o.scope))
    if (o.filter) q = q.where(o.filter)
    return q.orderBy(o.sort, o.order).orderBy('id', o.order).offset(o.offset).limit(o.limit).execute()
  }

  /** How many alerts a query matches. */
  async count(scope: TeamScope, filter?: AlertFilter): Promise<number> {
    let q = this.store.db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(inScope(scope))
    if (filter) q = q.where(filter)
    const row = await q.executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Log or note entries of an alert, paged by their offset (the row id) as Opsgenie pages them. */
  async entries(
    table: 'alert_logs' | 'alert_notes',
    alertId: string,
    o: { offset?: number; direction: 'next' | 'prev'; limit: number; order: 'asc' | 'desc' },
  ): Promise<Array<{ id: number; created_at: number; owner: string; text: string; type?: string }>> {
    const ascending = (o.direction === 'next') === (o.order === 'asc')
    const base = this.store.db.selectFrom(table).where('alert_id', '=', alertId)
    let q =
      table === 'alert_logs'
        ? this.store.db
            .selectFrom('alert_logs')
            .select(['id', 'created_at', 'owner', 'log as text', 'type'])
            .where('alert_id', '=', alertId)
        : base.select(['id', 'created_at', 'owner', 'note as text'])
    if (o.offset !== undefined) q = q.where('id', ascending ? '>' : '<', o.offset)
    const rows = await q
      .orderBy('id', ascending ? 'asc' : 'desc')
      .limit(o.limit)
      .execute()
    const out = rows.map((r) => ({ ...r, id: Number(r.id) }))
    // Paging backwards reads rows in reverse; present them in the requested order.
    return o.direction === 'prev' ? out.reverse() : out
  }

  /** The recorded outcome of an async request, if it has been processed and the caller may see it. */
  async request(
    requestId: string,
    integrationId: string | null,
  ): Promise<(RequestOutcome & { processedAt: number; integrationId: string }) | undefined> {
    let q = this.store.db.selectFrom('alert_requests').selectAll().where('request_id', '=', requestId)
    if (integrationId) q = q.where('integration_id', '=', integrationId)
    const r = await q.executeTakeFirst()
    if (!r) return undefined
    return {
      requestId: r.request_id,
      action: r.action,
      success: r.success === 1,
      status: r.status,
      alertId: r.alert_id,
      alias: r.alias,
      processedAt: r.processed_at,
      integrationId: r.integration_id ?? '',
    }
  }
}
