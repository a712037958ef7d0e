/** alerts, alertLogs and alertCommands as replicated documents. */
import type { Selectable } from 'kysely'
import type { AlertCommandDoc, AlertDoc, AlertLogDoc } from '../../../core/sync/documents'
import type { AlertsTable } from '../../store/schema'
import { viewerTeams } from '../access'
import type { SyncCommandsTable } from '../tables'
import { type Change, inTeams, json, type Source, teamAudience, userAudience } from './source'

type Recipient = AlertDoc['responders'][number]

/** Keeps the recipient fields the document schema knows (the stored ones may carry more). */
function recipients(text: string): Recipient[] {
  return json<Array<Record<string, unknown>>>(text, []).map((r) => {
    const out: Recipient = { type: String(r.type ?? '') }
    for (const k of ['id', 'name', 'username'] as const) if (typeof r[k] === 'string') out[k] = r[k]
    return out
  })
}

/** An alert row as its replicated document. */
export function alertDoc(r: Selectable<AlertsTable>): AlertDoc {
  const doc: AlertDoc = {
    id: r.id,
    _deleted: false,
    tinyId: String(r.tiny_id),
    teamId: r.team_id,
    alias: r.alias,
    message: r.message,
    description: r.description,
    status: r.status,
    acknowledged: r.acknowledged === 1,
    isSeen: r.is_seen === 1,
    snoozed: r.snoozed === 1,
    count: Number(r.count),
    priority: r.priority as AlertDoc['priority'],
    source: r.source,
    entity: r.entity,
    owner: r.owner,
    tags: json<string[]>(r.tags, []),
    details: json<Record<string, string>>(r.details, {}),
    actions: json<string[]>(r.actions, []),
    responders: recipients(r.responders),
    visibleTo: recipients(r.visible_to),
    acknowledgedBy: r.acknowledged_by,
    closedBy: r.closed_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    lastOccurredAt: Number(r.last_occurred_at),
  }
  if (r.integration_id !== null) doc.integrationId = r.integration_id
  if (r.snoozed_until !== null) doc.snoozedUntil = Number(r.snoozed_until)
  if (r.ack_time !== null) doc.ackTime = Number(r.ack_time)
  if (r.close_time !== null) doc.closeTime = Number(r.close_time)
  return doc
}

export const alertsSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('alerts')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'alerts.team_id', viewer && viewerTeams(viewer)))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: alertDoc(r),
      audience: teamAudience(r.team_id),
    }))
  },
}

export const alertLogsSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('alert_logs')
      .innerJoin('alerts', 'alerts.id', 'alert_logs.alert_id')
      .select([
        'alert_logs.id',
        'alert_logs.alert_id',
        'alert_logs.created_at',
        'alert_logs.type',
        'alert_logs.owner',
        'alert_logs.log',
        'alert_logs.change_seq',
        'alerts.team_id',
      ])
      .where('alert_logs.change_seq', '>', after)
      .where('alert_logs.change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'alerts.team_id', viewer && viewerTeams(viewer)))
      .orderBy('alert_logs.change_seq')
      .limit(limit)
      .execute()
    return rows.map((r): Change => {
      const doc: AlertLogDoc = {
        id: String(r.id),
        _deleted: false,
        alertId: r.alert_id,
        createdAt: Number(r.created_at),
        type: r.type,
        owner: r.owner,
        log: r.log,
      }
      return { seq: Number(r.change_seq), doc, audience: teamAudience(r.team_id) }
    })
  },
}

/** A command row as its replicated document. */
export function commandDoc(r: Selectable<SyncCommandsTable>): AlertCommandDoc {
  const doc: AlertCommandDoc = {
    id: r.id,
    _deleted: false,
    alertId: r.alert_id,
    action: r.action as AlertCommandDoc['action'],
    params: json<AlertCommandDoc['params']>(r.params, {}),
    createdAt: Number(r.created_at),
    status: r.status,
    userId: r.user_id,
  }
  if (r.reason !== null) doc.reason = r.reason
  if (r.processed_at !== null) doc.processedAt = Number(r.processed_at)
  return doc
}

export const alertCommandsSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('sync_commands')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .$if(viewer !== undefined, (q) => q.where('user_id', '=', viewer?.userId ?? ''))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: commandDoc(r),
      audience: userAudience(r.user_id),
    }))
  },
}
