/** `monitoring`: heartbeats and maintenance windows in one collection, told apart by `kind`. */
import type { Selectable } from 'kysely'
import type { MonitoringDoc } from '../../../core/sync/documents'
import { viewerTeams } from '../access'
import type { SyncDatabase } from '../tables'
import { ALL, type Change, inTeams, json, mergeChanges, type Source, teamAudience } from './source'

/** A heartbeat row as its document. */
export function heartbeatDoc(r: Selectable<SyncDatabase['heartbeats']>): MonitoringDoc {
  const doc: MonitoringDoc = {
    id: r.id,
    _deleted: false,
    kind: 'heartbeat',
    teamId: r.team_id,
    description: r.description,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    name: r.name,
    interval: Number(r.interval),
    intervalUnit: r.interval_unit,
    enabled: r.enabled === 1,
    expired: r.expired === 1,
    alertMessage: r.alert_message,
    alertTags: json<string[]>(r.alert_tags, []),
    alertPriority: r.alert_priority as MonitoringDoc['alertPriority'],
    autoClose: r.auto_close === 1,
  }
  if (r.last_ping_at !== null) doc.lastPingAt = Number(r.last_ping_at)
  return doc
}

/** A maintenance window row as its document. */
export function maintenanceDoc(r: Selectable<SyncDatabase['maintenance_windows']>): MonitoringDoc {
  const doc: MonitoringDoc = {
    id: r.id,
    _deleted: false,
    kind: 'maintenance',
    description: r.description,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    timeType: r.time_type,
    start: Number(r.start_at),
    rules: json<NonNullable<MonitoringDoc['rules']>>(r.rules, []),
    cancelled: r.cancelled_at !== null,
  }
  if (r.team_id !== null) doc.teamId = r.team_id
  if (r.end_at !== null) doc.end = Number(r.end_at)
  return doc
}

export const monitoringSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const teams = viewer && viewerTeams(viewer)
    const [beats, windows] = await Promise.all([
      db
        .selectFrom('heartbeats')
        .selectAll()
        .where('change_seq', '>', after)
        .where('change_seq', '<=', upTo)
        .where((eb) => inTeams(eb, 'heartbeats.team_id', teams))
        .orderBy('change_seq')
        .limit(limit)
        .execute(),
      db
        .selectFrom('maintenance_windows')
        .selectAll()
        .where('change_seq', '>', after)
        .where('change_seq', '<=', upTo)
        // Global windows (no team) concern everyone.
        .where((eb) => eb.or([eb('team_id', 'is', null), inTeams(eb, 'maintenance_windows.team_id', teams)]))
        .orderBy('change_seq')
        .limit(limit)
        .execute(),
    ])
    const a = beats.map(
      (r): Change => ({ seq: Number(r.change_seq), doc: heartbeatDoc(r), audience: teamAudience(r.team_id) }),
    )
    const b = windows.map(
      (r): Change => ({
        seq: Number(r.change_seq),
        doc: maintenanceDoc(r),
        audience: r.team_id === null ? ALL : teamAudience(r.team_id),
      }),
    )
    return mergeChanges([a, b], limit)
  },
}
