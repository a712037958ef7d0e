/**
 * A user's stored notification rules: their Opsgenie view, audit entity, row shape, order, and the defaults a
 * new user starts with. Shared by the HTTP routes, user creation and replication.
 */
import type { Kysely } from 'kysely'
import { newId } from '../../core/ids/ids'
import { contactAddressError } from '../../core/model/contact'
import type { Criteria } from '../../core/model/criteria'
import {
  defaultNotificationRules,
  type NotificationActionType,
  type NotificationRule,
  type NotificationStep,
} from '../../core/model/notification-rule'
import { moveTo, positionChanges } from '../../core/ordering/positions'
import { insertContact } from '../api/opsgenie/contacts'
import { type AuditEntity, type AuditOrigin, recordAudit } from '../audit/record'
import type { Database, NotificationRulesTable, UsersTable } from '../store/schema'

/** The rule as Opsgenie shows it. */
export function ruleView(row: NotificationRulesTable): NotificationRule {
  const rule: NotificationRule = {
    id: row.id,
    name: row.name,
    actionType: row.action_type as NotificationActionType,
    criteria: JSON.parse(row.criteria) as Criteria,
    steps: JSON.parse(row.steps) as NotificationStep[],
    order: row.rule_order,
    enabled: row.enabled === 1,
  }
  if (row.time_restriction !== null) rule.timeRestriction = JSON.parse(row.time_restriction)
  if (row.notification_time !== null) rule.notificationTime = JSON.parse(row.notification_time) as string[]
  if (row.repeat !== null) rule.repeat = JSON.parse(row.repeat) as NonNullable<NotificationRule['repeat']>
  return rule
}

export function ruleEntity(row: { id: string; name: string }, user: { username: string }): AuditEntity {
  return { type: 'notification-rule', id: row.id, name: `${row.name} of ${user.username}` }
}

export function rowOf(
  rule: Omit<NotificationRule, 'id'>,
  id: string,
  userId: string,
  now: number,
): NotificationRulesTable {
  return {
    id,
    user_id: userId,
    name: rule.name,
    action_type: rule.actionType,
    criteria: JSON.stringify(rule.criteria),
    time_restriction: rule.timeRestriction === undefined ? null : JSON.stringify(rule.timeRestriction),
    notification_time: rule.notificationTime === undefined ? null : JSON.stringify(rule.notificationTime),
    steps: JSON.stringify(rule.steps),
    repeat: rule.repeat === undefined ? null : JSON.stringify(rule.repeat),
    rule_order: rule.order,
    enabled: rule.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  }
}

/** The user's rules in order (locked on PostgreSQL, so concurrent reorders serialize). */
export async function rulesOf(
  trx: Kysely<Database>,
  userId: string,
  lock: boolean,
): Promise<NotificationRulesTable[]> {
  return trx
    .selectFrom('notification_rules')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('rule_order')
    .orderBy('created_at')
    .orderBy('id')
    .$if(lock, (q) => q.forUpdate())
    .execute()
}

/** Moves rule `id` to position `order` (clamped) and renumbers the user's rules 0…n-1. */
export async function placeRule(
  trx: Kysely<Database>,
  userId: string,
  id: string,
  order: number,
  lock: boolean,
) {
  const rules = await rulesOf(trx, userId, lock)
  if (!rules.some((r) => r.id === id)) return
  const ids = moveTo(
    rules.map((r) => r.id),
    id,
    order,
  )
  await writeOrder(trx, rules, ids)
}

/** Stores `ids` as the user's rule order 0…n-1, writing only the rules whose place changed. */
export async function writeOrder(
  trx: Kysely<Database>,
  rules: ReadonlyArray<{ id: string; rule_order: number }>,
  ids: readonly string[],
): Promise<void> {
  const current = new Map(rules.map((r) => [r.id, r.rule_order]))
  for (const c of positionChanges(current, ids)) {
    await trx
      .updateTable('notification_rules')
      .set({ rule_order: c.position })
      .where('id', '=', c.id)
      .execute()
  }
}

/**
 * Creates a new user's default contact (their username, when it is an e-mail address) and notification
 * rules, each with its audit entry, in the transaction that creates the user.
 */
export async function seedUserDefaults(
  trx: Kysely<Database>,
  origin: AuditOrigin,
  user: Pick<UsersTable, 'id' | 'username'>,
): Promise<void> {
  const email = contactAddressError('email', user.username) === undefined ? user.username : undefined
  const id = () => newId(origin.at)
  if (email !== undefined) {
    await insertContact(trx, origin, user, {
      id: id(),
      user_id: user.id,
      method: 'email',
      address: email,
      enabled: 1,
      disabled_reason: null,
      created_at: origin.at,
      updated_at: origin.at,
    })
  }
  for (const rule of defaultNotificationRules(user.username, email)) {
    const row = rowOf(rule, id(), user.id, origin.at)
    await trx.insertInto('notification_rules').values(row).execute()
    await recordAudit(trx, {
      ...origin,
      action: 'create',
      entity: ruleEntity(row, user),
      after: ruleView(row),
    })
  }
}
