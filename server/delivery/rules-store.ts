import type { Kysely } from 'kysely'
import type { Criteria } from '../../core/model/criteria'
import type { NotificationStep } from '../../core/model/notification-rule'
import type { TimeRestriction } from '../../core/model/time-restriction'
import type { RuleForDelivery } from '../../core/notify/rules'
import type { Database, NotificationRulesTable } from '../store/schema'

/** Parses JSON kept by the rules API; a column that does not parse counts as absent. */
function json<T>(text: string | null): T | undefined {
  if (text === null) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/** A rule row as core/notify reads it. */
export function ruleFromRow(row: NotificationRulesTable): RuleForDelivery {
  const rule: RuleForDelivery = {
    id: row.id,
    name: row.name,
    actionType: row.action_type,
    // Unreadable criteria fail closed (never match), like core/criteria does for invalid ones.
    criteria: json<Criteria>(row.criteria) ?? ({ type: 'match-any-condition', conditions: [] } as Criteria),
    steps: json<NotificationStep[]>(row.steps) ?? [],
    order: row.rule_order,
    enabled: row.enabled === 1,
  }
  const tr = json<TimeRestriction>(row.time_restriction)
  if (tr) rule.timeRestriction = tr
  const nt = json<string[]>(row.notification_time)
  if (nt) rule.notificationTime = nt
  const rep = json<{ loopAfter: number; enabled?: boolean }>(row.repeat)
  if (rep) rule.repeat = rep
  return rule
}

/** The enabled rules of some users, by user id, in rule order. */
export async function rulesOfUsers(
  db: Kysely<Database>,
  userIds: string[],
): Promise<Map<string, RuleForDelivery[]>> {
  const out = new Map<string, RuleForDelivery[]>()
  if (userIds.length === 0) return out
  const rows = await db
    .selectFrom('notification_rules')
    .selectAll()
    .where('user_id', 'in', userIds)
    .where('enabled', '=', 1)
    .orderBy('rule_order')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const list = out.get(r.user_id) ?? []
    list.push(ruleFromRow(r))
    out.set(r.user_id, list)
  }
  return out
}
