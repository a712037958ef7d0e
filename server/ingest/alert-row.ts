import type { Selectable } from 'kysely'
import type { Alert } from '../../core/model/alert'
import type { Recipient } from '../../core/model/recipient'
import type { AlertsTable } from '../store/schema'

export type AlertRow = Selectable<AlertsTable>

const iso = (ms: number) => new Date(ms).toISOString()

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** Integration facts shown on every alert. */
export interface IntegrationRef {
  id: string
  name: string
  type: string
}

/** True while a snooze is in force at `now` (a lapsed snooze reads as not snoozed before the sweeper runs). */
export function isSnoozed(row: AlertRow, now: number): boolean {
  return row.snoozed === 1 && row.snoozed_until !== null && row.snoozed_until > now
}

/** Renders a row as Opsgenie's Alert object (the full form of GET /v2/alerts/{id}). */
export function toApiAlert(row: AlertRow, integration: IntegrationRef | undefined, now: number): Alert {
  const snoozed = isSnoozed(row, now)
  const report: Alert['report'] = {}
  if (row.ack_time !== null) report.ackTime = row.ack_time
  if (row.close_time !== null) report.closeTime = row.close_time
  if (row.acknowledged_by) report.acknowledgedBy = row.acknowledged_by
  if (row.closed_by) report.closedBy = row.closed_by
  const alert: Alert = {
    id: row.id,
    tinyId: String(row.tiny_id),
    alias: row.alias,
    message: row.message,
    status: row.status,
    acknowledged: row.acknowledged === 1,
    isSeen: row.is_seen === 1,
    tags: parseJson<string[]>(row.tags, []),
    snoozed,
    count: row.count,
    lastOccurredAt: iso(row.last_occurred_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    source: row.source,
    owner: row.owner,
    priority: row.priority as Alert['priority'],
    responders: parseJson<Recipient[]>(row.responders, []),
    visibleTo: parseJson<Recipient[]>(row.visible_to, []),
    integration: integration ?? { id: '', name: '', type: '' },
    report,
    ownerTeamId: row.team_id,
    actions: parseJson<string[]>(row.actions, []),
    entity: row.entity,
    description: row.description,
    details: parseJson<Record<string, string>>(row.details, {}),
  }
  if (snoozed && row.snoozed_until !== null) alert.snoozedUntil = iso(row.snoozed_until)
  return alert
}

/** The list form (Opsgenie's BaseAlert): the full alert less actions, entity, description and details. */
export function toBaseAlert(alert: Alert): Omit<Alert, 'actions' | 'entity' | 'description' | 'details'> {
  const { actions: _a, entity: _e, description: _d, details: _x, ...base } = alert
  return base
}
