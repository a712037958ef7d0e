/**
 * Pushed routing rules, kept as /v2/teams/{id}/routing-rules keeps them: a team's non-default rules hold
 * positions 0…n-1 (a pushed `order` moves the rule and renumbers the others, which then stream out too),
 * the default rule is neither created, deleted nor turned into a regular one, and a rule notifies only a
 * policy or schedule the pusher may read.
 */
import type { Kysely } from 'kysely'
import { MAX_ROUTING_RULES, type RoutingRule } from '../../../core/model/routing'
import { moveTo, positionChanges } from '../../../core/ordering/positions'
import { validateRoutingRule, validateRoutingRules } from '../../../core/routing/validate'
import type { RoutingRuleDoc } from '../../../core/sync/documents'
import { recordAudit } from '../../audit/record'
import { ensureDefaultRule, ruleFromRow, teamRuleRows } from '../../routing/rules'
import { isAdmin, teamConfigRefusal, type Viewer } from '../access'
import { routingRuleDoc } from '../sources/config'
import type { SyncDatabase } from '../tables'
import { routingRuleKeys, stampAuthors } from './authors'
import { missingTeam, plain, seesTeam } from './common'
import type { CollectionWriter } from './writer'

const entity = (r: { id: string; name: string }) => ({ type: 'routing-rule', id: r.id, name: r.name })
const snapshot = (r: RoutingRule): object => ({ ...r })

function asRule(doc: RoutingRuleDoc): RoutingRule {
  const { _deleted: _d, teamId: _t, ...rule } = doc
  return rule
}

async function renumber(db: Kysely<SyncDatabase>, teamId: string, ids: string[], now: number): Promise<void> {
  const rows = await teamRuleRows(plain(db), teamId)
  const at = new Map(rows.map((r) => [r.id, Number(r.position)]))
  for (const c of positionChanges(at, ids)) {
    await db
      .updateTable('routing_rules')
      .set({ position: c.position, updated_at: now })
      .where('id', '=', c.id)
      .where('team_id', '=', teamId)
      .execute()
  }
}

/** Undefined when the notify target exists and the viewer may read it, else a reason. */
async function notifyProblem(db: Kysely<SyncDatabase>, viewer: Viewer, doc: RoutingRuleDoc) {
  const n = doc.notify
  if (n.type === 'none') return undefined
  const table = n.type === 'escalation' ? 'escalation_policies' : 'schedules'
  const row = await db.selectFrom(table).select(['id', 'team_id']).where('id', '=', n.id).executeTakeFirst()
  if (!row || !(isAdmin(viewer) || viewer.teams.has(row.team_id)))
    return `notify: ${n.type} ${n.id} does not exist`
  return undefined
}

export const routingRulesWriter: CollectionWriter<RoutingRuleDoc> = {
  async load(db, id) {
    const row = await db.selectFrom('routing_rules').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    const [doc] = await stampAuthors(db, [routingRuleDoc(row)], routingRuleKeys)
    return doc && { doc, visible: seesTeam(row.team_id) }
  },

  async write(db, viewer, { master, next }, origin) {
    const teamId = master?.teamId ?? next.teamId
    const refused = teamConfigRefusal(viewer, teamId)
    if (refused) return refused
    if (master && master.teamId !== next.teamId && !next._deleted)
      return 'teamId: a rule cannot move to another team'
    if (master?.isDefault && next._deleted) return 'The default routing rule cannot be deleted'
    if (!next._deleted && Boolean(master?.isDefault) !== next.isDefault)
      return 'isDefault: only the team has a default rule, made by the server'
    if (next._deleted) {
      if (!master) return undefined
      await db.deleteFrom('routing_rules').where('id', '=', master.id).execute()
      const ids = (await teamRuleRows(plain(db), teamId)).filter((r) => r.is_default === 0).map((r) => r.id)
      await renumber(db, teamId, ids, origin.at)
      await recordAudit(plain(db), {
        ...origin,
        action: 'delete',
        entity: entity(master),
        before: asRule(master),
      })
      return undefined
    }
    const rule = asRule(next)
    const errors = validateRoutingRule(rule)
    delete errors.id
    delete errors.order
    const listed = Object.entries(errors)
    if (listed.length) return listed.map(([k, v]) => `${k}: ${v}`).join('; ')
    const problem = (await missingTeam(db, teamId)) ?? (await notifyProblem(db, viewer, next))
    if (problem) return problem
    await ensureDefaultRule(plain(db), teamId, origin, snapshot)
    const regular = (await teamRuleRows(plain(db), teamId)).filter((r) => r.is_default === 0).map((r) => r.id)
    if (!master && !next.isDefault && regular.length + 1 >= MAX_ROUTING_RULES)
      return `order: a team has at most ${MAX_ROUTING_RULES} routing rules, its default included`
    const values = {
      name: next.name,
      criteria: JSON.stringify(next.criteria),
      time_restriction: next.timeRestriction ? JSON.stringify(next.timeRestriction) : null,
      timezone: next.timezone,
      notify: JSON.stringify(next.notify),
      updated_at: origin.at,
    }
    if (master) {
      await db.updateTable('routing_rules').set(values).where('id', '=', next.id).execute()
      if (!next.isDefault) await renumber(db, teamId, moveTo(regular, next.id, next.order), origin.at)
    } else {
      const order = moveTo(regular, next.id, next.order)
      await db
        .insertInto('routing_rules')
        .values({
          id: next.id,
          team_id: teamId,
          position: order.length - 1,
          is_default: 0,
          created_at: origin.at,
          ...values,
        })
        .execute()
      await renumber(db, teamId, order, origin.at)
    }
    const all = validateRoutingRules((await teamRuleRows(plain(db), teamId)).map(ruleFromRow))
    if (Object.keys(all).length) throw new Error(`routing rules of ${teamId} invalid after a sync write`)
    await recordAudit(plain(db), {
      ...origin,
      action: master ? 'update' : 'create',
      entity: entity(rule),
      ...(master ? { before: asRule(master) } : {}),
      after: rule,
    })
    return undefined
  },
}
