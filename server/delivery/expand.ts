import { newId } from '../../core/ids/ids'
import type { NotificationPayload } from '../../core/model/notification'
import { cycleKey, planDeliveries } from '../../core/notify/rules'
import type { Clock } from '../../core/time/clock'
import type { GroupCommitWriter } from '../ingest/group-commit'
import type { DeliveriesTable } from '../store/schema'
import type { Store } from '../store/store'
import { rulesOfUsers } from './rules-store'

/** What expansion needs. */
export interface ExpandDeps {
  store: Store
  writer: GroupCommitWriter
  clock: Clock
}

/** Who alert-log lines written by delivery are attributed to. */
export const DELIVERY_LOG_OWNER = 'system'

/**
 * Expands up to `limit` unexpanded notifications into deliveries through their users' notification rules,
 * in one writer transaction that also sets `expanded_at` (so a notification is expanded exactly once; the
 * unique delivery key makes even a repeated expansion harmless). On PostgreSQL rows are claimed with
 * FOR UPDATE SKIP LOCKED so several instances share the work. Returns how many were expanded.
 */
export async function expandNotifications(deps: ExpandDeps, limit: number): Promise<number> {
  // A cheap indexed peek first: most ticks find nothing and should not take the writer's transaction.
  const any = await deps.store.db
    .selectFrom('notifications')
    .select('id')
    .where('expanded_at', 'is', null)
    .limit(1)
    .executeTakeFirst()
  if (!any) return 0
  const pg = deps.store.dialect === 'postgres'
  return deps.writer.submit(async (trx, batch) => {
    const now = deps.clock.now()
    const rows = await trx
      .selectFrom('notifications')
      .selectAll()
      .where('expanded_at', 'is', null)
      .orderBy('created_at')
      .limit(limit)
      .$if(pg, (q) => q.forUpdate().skipLocked())
      .execute()
    if (rows.length === 0) return 0
    const userIds = [...new Set(rows.map((r) => r.user_id))]
    const users = await trx
      .selectFrom('users')
      .select(['id', 'username', 'time_zone'])
      .where('id', 'in', userIds)
      .execute()
    const userById = new Map(users.map((u) => [u.id, u]))
    const rules = await rulesOfUsers(trx, userIds)
    const contacts = await trx
      .selectFrom('contacts')
      .select(['user_id', 'method', 'address'])
      .where('user_id', 'in', userIds)
      .where('enabled', '=', 1)
      .execute()
    const enabled = new Set(contacts.map((c) => JSON.stringify([c.user_id, c.method, c.address])))
    const inserts: DeliveriesTable[] = []
    for (const n of rows) {
      const user = userById.get(n.user_id)
      const payload = JSON.parse(n.payload) as NotificationPayload
      const plan = planDeliveries(
        rules.get(n.user_id) ?? [],
        { id: n.id, actionType: n.action_type, payload, createdAt: n.created_at },
        user?.time_zone || 'UTC',
        (method, address) => enabled.has(JSON.stringify([n.user_id, method, address])),
      )
      for (const p of plan.deliveries) {
        inserts.push({
          id: newId(now),
          key: cycleKey(n.id, p.key, 0),
          notification_id: n.id,
          alert_id: n.alert_id,
          user_id: n.user_id,
          channel: p.channel,
          address: p.address,
          state: 'pending',
          attempts: 0,
          due_at: p.dueAt,
          next_attempt_at: p.dueAt,
          last_error: null,
          provider_response: null,
          bundle_id: null,
          step_key: p.key,
          cycle: 0,
          repeat_every_ms: p.repeatEveryMs ?? null,
          created_at: now,
          updated_at: now,
        })
      }
      // Only a page that reaches nobody is worth a log line; most people have no rule for acks or notes.
      if (n.alert_id && n.action_type === 'create-alert' && plan.deliveries.length === 0) {
        batch.log({
          alert_id: n.alert_id,
          created_at: now,
          type: 'notification',
          owner: DELIVERY_LOG_OWNER,
          log: `Not notifying ${user?.username ?? n.user_id}: ${plan.reason ?? 'no notification rule applies'}`,
        })
      }
    }
    for (let i = 0; i < inserts.length; i += 200) {
      await trx
        .insertInto('deliveries')
        .values(inserts.slice(i, i + 200))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute()
    }
    await trx
      .updateTable('notifications')
      .set({ expanded_at: now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute()
    return rows.length
  })
}
