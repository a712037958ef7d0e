import type { Kysely } from 'kysely'
import type { AlertPolicy } from '../../core/model/routing'
import type { AlertPoliciesTable, Database } from '../store/schema'

/** The stored part of a policy: everything but id, order and enabled, which are columns. */
export type StoredPolicy = Omit<AlertPolicy, 'id' | 'order' | 'enabled'>

/** A row as the core model; `order` is the row's position among its team's (or the global) policies. */
export function policyFromRow(row: AlertPoliciesTable): AlertPolicy {
  const stored = JSON.parse(row.policy) as StoredPolicy
  return { ...stored, id: row.id, order: row.position, enabled: row.enabled === 1 }
}

/** The JSON column for a policy. */
export function policyColumn(p: AlertPolicy): string {
  const { id: _id, order: _order, enabled: _enabled, ...stored } = p
  return JSON.stringify(stored)
}

/** The policies of one team (or the global ones, teamId null) in order. */
export async function policyRows(db: Kysely<Database>, teamId: string | null): Promise<AlertPoliciesTable[]> {
  return db
    .selectFrom('alert_policies')
    .selectAll()
    .$if(teamId === null, (q) => q.where('team_id', 'is', null))
    .$if(teamId !== null, (q) => q.where('team_id', '=', teamId as string))
    .orderBy('position')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/**
 * The enabled alert policies that apply to an alert of `teamId` (undefined = no team), in evaluation
 * order: the global policies first, then the team's. `order` is renumbered 0..n-1 across both groups, so
 * core's applyAlertPolicies walks them in exactly this order.
 */
export async function policiesFor(db: Kysely<Database>, teamId: string | undefined): Promise<AlertPolicy[]> {
  const rows = [
    ...(await policyRows(db, null)),
    ...(teamId === undefined ? [] : await policyRows(db, teamId)),
  ]
  return rows
    .filter((r) => r.enabled === 1)
    .map(policyFromRow)
    .map((p, i) => ({ ...p, order: i }))
}
