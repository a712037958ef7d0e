import type { Kysely } from 'kysely'
import { DateTime } from 'luxon'
import type { MaintenanceScope, MaintenanceWindow } from '../../core/model/routing'
import { inMaintenance, type MaintenanceTarget } from '../../core/routing/maintenance'
import type { Database, MaintenanceWindowsTable } from '../store/schema'

/** Opsgenie's maintenance rule; `team` is a Vigil extension that puts a whole team in maintenance. */
export interface MaintenanceRule {
  state: 'enabled' | 'disabled'
  entity: { id: string; type: 'integration' | 'policy' | 'team' }
}

export const MAINTENANCE_TIME_TYPES = [
  'for-5-minutes',
  'for-30-minutes',
  'for-1-hour',
  'indefinitely',
  'schedule',
] as const
export type MaintenanceTimeType = (typeof MAINTENANCE_TIME_TYPES)[number]

export type MaintenanceStatus = 'planned' | 'active' | 'past' | 'cancelled'

/** Epoch ms as Opsgenie writes instants, e.g. 2026-03-01T09:00:00Z. */
export const isoOf = (ms: number): string =>
  DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) as string

/** What the window's enabled rules silence, as core's scope. */
export function scopeOf(rules: readonly MaintenanceRule[]): MaintenanceScope {
  const ids = (type: MaintenanceRule['entity']['type']) =>
    rules.filter((r) => r.state === 'enabled' && r.entity.type === type).map((r) => r.entity.id)
  const scope: MaintenanceScope = {}
  const teamIds = ids('team')
  const integrationIds = ids('integration')
  const policyIds = ids('policy')
  if (teamIds.length) scope.teamIds = teamIds
  if (integrationIds.length) scope.integrationIds = integrationIds
  if (policyIds.length) scope.policyIds = policyIds
  return scope
}

/** A row as core's model. */
export function windowFromRow(row: MaintenanceWindowsTable): MaintenanceWindow {
  const w: MaintenanceWindow = {
    id: row.id,
    start: isoOf(row.start_at),
    scope: scopeOf(JSON.parse(row.rules) as MaintenanceRule[]),
  }
  if (row.description) w.description = row.description
  if (row.end_at !== null) w.end = isoOf(row.end_at)
  if (row.cancelled_at !== null) w.cancelled = true
  return w
}

/** planned before start, active from start (inclusive) to end (exclusive), past after; cancelled wins. */
export function statusOf(
  row: Pick<MaintenanceWindowsTable, 'start_at' | 'end_at' | 'cancelled_at'>,
  now: number,
): MaintenanceStatus {
  if (row.cancelled_at !== null) return 'cancelled'
  if (now < row.start_at) return 'planned'
  if (row.end_at === null || now < row.end_at) return 'active'
  return 'past'
}

/**
 * The maintenance window in force at `now` (epoch ms) that names the alert's team (Vigil extension),
 * its integration or one of the given policies; undefined when none. Decided by core's inMaintenance over
 * the windows not cancelled and not over, oldest start first.
 */
export async function activeMaintenance(
  db: Kysely<Database>,
  target: MaintenanceTarget,
  now: number,
): Promise<MaintenanceWindow | undefined> {
  const rows = await db
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('cancelled_at', 'is', null)
    .where('start_at', '<=', now)
    .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', now)]))
    .orderBy('start_at')
    .orderBy('id')
    .execute()
  return inMaintenance(rows.map(windowFromRow), target, now)
}
