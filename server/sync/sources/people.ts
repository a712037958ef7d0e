/** teams, users and `me` (the viewer's own contacts and notification rules) as replicated documents. */
import type { Selectable } from 'kysely'
import type { MeDoc, TeamDoc, UserDoc } from '../../../core/sync/documents'
import { ruleView } from '../../notification-rules/rules'
import type { NotificationRulesTable } from '../../store/schema'
import type { SyncDatabase } from '../tables'
import { meKeys, stampAuthors } from '../writers/authors'
import { ALL, type Change, mergeChanges, type Source, userAudience } from './source'

export const teamsSource: Source = {
  async changed(db, after, upTo, limit) {
    const rows = await db
      .selectFrom('teams')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    if (rows.length === 0) return []
    const members = await db
      .selectFrom('team_members')
      .select(['team_id', 'user_id', 'role'])
      .where(
        'team_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('user_id')
      .execute()
    const byTeam = new Map<string, TeamDoc['members']>()
    for (const m of members) {
      const list = byTeam.get(m.team_id) ?? []
      list.push({ userId: m.user_id, role: m.role })
      byTeam.set(m.team_id, list)
    }
    return rows.map((r) => {
      const doc: TeamDoc = {
        id: r.id,
        _deleted: false,
        name: r.name,
        description: r.description,
        members: byTeam.get(r.id) ?? [],
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }
      return { seq: Number(r.change_seq), doc, audience: ALL }
    })
  },
}

export const usersSource: Source = {
  async changed(db, after, upTo, limit) {
    const rows = await db
      .selectFrom('users')
      .select([
        'id',
        'username',
        'full_name',
        'role',
        'time_zone',
        'blocked',
        'created_at',
        'updated_at',
        'change_seq',
      ])
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    return rows.map((r) => {
      const doc: UserDoc = {
        id: r.id,
        _deleted: false,
        username: r.username,
        fullName: r.full_name,
        role: r.role,
        timeZone: r.time_zone,
        blocked: r.blocked === 1,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }
      return { seq: Number(r.change_seq), doc, audience: ALL }
    })
  },
}

/** A contact row as its `me` document. */
export function contactDoc(r: Selectable<SyncDatabase['contacts']>): MeDoc {
  const doc: MeDoc = {
    id: r.id,
    _deleted: false,
    kind: 'contact',
    userId: r.user_id,
    enabled: r.enabled === 1,
    method: r.method,
    to: r.address,
  }
  if (r.disabled_reason !== null) doc.disabledReason = r.disabled_reason
  return doc
}

/** A notification rule row as its `me` document (Opsgenie's rule shape, as the HTTP API shows it). */
export function notificationRuleDoc(r: Selectable<SyncDatabase['notification_rules']>): MeDoc {
  const rule = ruleView(r as NotificationRulesTable)
  const doc: MeDoc = {
    id: r.id,
    _deleted: false,
    kind: 'notificationRule',
    userId: r.user_id,
    enabled: rule.enabled,
    name: rule.name,
    actionType: rule.actionType,
    criteria: rule.criteria,
    steps: rule.steps,
    order: rule.order,
  }
  if (rule.timeRestriction !== undefined)
    doc.timeRestriction = rule.timeRestriction as MeDoc['timeRestriction']
  if (rule.notificationTime !== undefined)
    doc.notificationTime = rule.notificationTime as MeDoc['notificationTime']
  if (rule.repeat !== undefined) doc.repeat = rule.repeat
  return doc
}

export const meSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const only = viewer?.userId
    const [contacts, rules] = await Promise.all([
      db
        .selectFrom('contacts')
        .selectAll()
        .where('change_seq', '>', after)
        .where('change_seq', '<=', upTo)
        .$if(only !== undefined, (q) => q.where('user_id', '=', only ?? ''))
        .orderBy('change_seq')
        .limit(limit)
        .execute(),
      db
        .selectFrom('notification_rules')
        .selectAll()
        .where('change_seq', '>', after)
        .where('change_seq', '<=', upTo)
        .$if(only !== undefined, (q) => q.where('user_id', '=', only ?? ''))
        .orderBy('change_seq')
        .limit(limit)
        .execute(),
    ])
    const a = contacts.map(
      (r): Change => ({ seq: Number(r.change_seq), doc: contactDoc(r), audience: userAudience(r.user_id) }),
    )
    const b = rules.map(
      (r): Change => ({
        seq: Number(r.change_seq),
        doc: notificationRuleDoc(r),
        audience: userAudience(r.user_id),
      }),
    )
    // Authors of the documents kept only: one audit query for the batch (writers/authors.ts).
    const kept = mergeChanges([a, b], limit)
    await stampAuthors(
      db,
      kept.map((c) => c.doc as MeDoc),
      meKeys,
    )
    return kept
  },
}
