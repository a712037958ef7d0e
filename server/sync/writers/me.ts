/** Pushed `me` documents: the signed-in user's own contacts and notification rules (with audit). */

import type { Kysely } from 'kysely'
import { validateCriteria } from '../../../core/criteria/validate'
import { contactAddressError } from '../../../core/model/contact'
import type { MeDoc } from '../../../core/sync/documents'
import { contactEntity, contactView } from '../../api/opsgenie/contacts'
import type { AuditOrigin } from '../../audit/record'
import { recordAudit } from '../../audit/record'
import type { ContactsTable } from '../../store/schema'
import type { Viewer } from '../access'
import { contactDoc, notificationRuleDoc } from '../sources/people'
import type { SyncDatabase } from '../tables'
import { meKeys, stampAuthors } from './authors'
import { plain } from './common'
import type { CollectionWriter, RowWrite } from './writer'

const own = (userId: string) => (v: Viewer) => v.userId === userId

async function writeContact(
  db: Kysely<SyncDatabase>,
  viewer: Viewer,
  { master, next }: RowWrite<MeDoc>,
  origin: AuditOrigin,
): Promise<string | undefined> {
  const user = { username: viewer.username }
  const rowOf = (d: MeDoc): ContactsTable => ({
    id: d.id,
    user_id: d.userId,
    method: d.method ?? 'email',
    address: d.to ?? '',
    enabled: d.enabled ? 1 : 0,
    disabled_reason: d.disabledReason ?? null,
    created_at: origin.at,
    updated_at: origin.at,
  })
  if (next._deleted) {
    if (!master) return undefined
    await db.deleteFrom('contacts').where('id', '=', master.id).execute()
    const before = rowOf(master)
    await recordAudit(plain(db), {
      ...origin,
      action: 'delete',
      entity: contactEntity(before, user),
      before: contactView(before),
    })
    return undefined
  }
  if (!next.method || !next.to) return 'A contact needs method and to'
  const bad = contactAddressError(next.method, next.to)
  if (bad) return `to: ${bad}`
  const clash = await db
    .selectFrom('contacts')
    .select('id')
    .where('user_id', '=', next.userId)
    .where('method', '=', next.method)
    .where('address', '=', next.to)
    .where('id', '!=', next.id)
    .executeTakeFirst()
  if (clash) return 'The user already has a contact with that method and to'
  const row = rowOf(next)
  if (master) {
    const { id: _id, created_at: _c, ...set } = row
    await db.updateTable('contacts').set(set).where('id', '=', next.id).execute()
    await recordAudit(plain(db), {
      ...origin,
      action: 'update',
      entity: contactEntity(row, user),
      before: contactView(rowOf(master)),
      after: contactView(row),
    })
  } else {
    await db.insertInto('contacts').values(row).execute()
    await recordAudit(plain(db), {
      ...origin,
      action: 'create',
      entity: contactEntity(row, user),
      after: contactView(row),
    })
  }
  return undefined
}

async function writeRule(
  db: Kysely<SyncDatabase>,
  viewer: Viewer,
  { master, next }: RowWrite<MeDoc>,
  origin: AuditOrigin,
): Promise<string | undefined> {
  const entity = (d: MeDoc) => ({
    type: 'notification-rule',
    id: d.id,
    name: `${d.name ?? ''} of ${viewer.username}`,
  })
  if (next._deleted) {
    if (!master) return undefined
    await db.deleteFrom('notification_rules').where('id', '=', master.id).execute()
    await recordAudit(plain(db), { ...origin, action: 'delete', entity: entity(master), before: master })
    return undefined
  }
  if (!next.name || !next.actionType || !next.criteria || !next.steps || next.order === undefined)
    return 'A notification rule needs name, actionType, criteria, steps and order'
  if (master && master.actionType !== next.actionType) return 'actionType: cannot change'
  const errors = Object.entries(validateCriteria(next.criteria, 'criteria'))
  if (errors.length) return errors.map(([k, v]) => `${k}: ${v}`).join('; ')
  const values = {
    user_id: next.userId,
    name: next.name,
    action_type: next.actionType,
    criteria: JSON.stringify(next.criteria),
    time_restriction: next.timeRestriction === undefined ? null : JSON.stringify(next.timeRestriction),
    notification_time: next.notificationTime === undefined ? null : JSON.stringify(next.notificationTime),
    steps: JSON.stringify(next.steps),
    repeat: next.repeat === undefined ? null : JSON.stringify(next.repeat),
    rule_order: next.order,
    enabled: next.enabled ? 1 : 0,
    updated_at: origin.at,
  }
  if (master) {
    await db.updateTable('notification_rules').set(values).where('id', '=', next.id).execute()
    await recordAudit(plain(db), {
      ...origin,
      action: 'update',
      entity: entity(next),
      before: master,
      after: next,
    })
  } else {
    await db
      .insertInto('notification_rules')
      .values({ id: next.id, created_at: origin.at, ...values })
      .execute()
    await recordAudit(plain(db), { ...origin, action: 'create', entity: entity(next), after: next })
  }
  return undefined
}

export const meWriter: CollectionWriter<MeDoc> = {
  async load(db, id) {
    const c = await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst()
    const r = c
      ? undefined
      : await db.selectFrom('notification_rules').selectAll().where('id', '=', id).executeTakeFirst()
    const found = c
      ? { doc: contactDoc(c), userId: c.user_id }
      : r && { doc: notificationRuleDoc(r), userId: r.user_id }
    if (!found) return undefined
    await stampAuthors(db, [found.doc], meKeys)
    return { doc: found.doc, visible: own(found.userId) }
  },

  async write(db, viewer, row, origin) {
    const { master, next } = row
    if (next.userId !== viewer.userId) return 'You may only change your own contacts and notification rules'
    if (master && master.kind !== next.kind) return 'kind: cannot change'
    return next.kind === 'contact'
      ? writeContact(db, viewer, row, origin)
      : writeRule(db, viewer, row, origin)
  },
}
