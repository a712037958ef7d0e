/** Pushed escalation policies, validated and stored as /v2/escalations stores them (with audit). */
import { validateEscalationPolicy } from '../../../core/escalation/validate'
import type { EscalationPolicy } from '../../../core/model/escalation'
import type { EscalationPolicyDoc } from '../../../core/sync/documents'
import { recordAudit } from '../../audit/record'
import { teamConfigRefusal } from '../access'
import { policyDoc } from '../sources/config'
import { policyKeys, stampAuthors } from './authors'
import { missingTeam, missingUsers, plain, seesTeam } from './common'
import type { CollectionWriter } from './writer'

function asPolicy(doc: EscalationPolicyDoc): EscalationPolicy {
  const p: EscalationPolicy = { id: doc.id, name: doc.name, ownerTeamId: doc.teamId, rules: doc.rules }
  if (doc.description) p.description = doc.description
  if (doc.repeat) p.repeat = doc.repeat
  return p
}

export const escalationPoliciesWriter: CollectionWriter<EscalationPolicyDoc> = {
  async load(db, id) {
    const row = await db.selectFrom('escalation_policies').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    const [doc] = await stampAuthors(db, [policyDoc(row)], policyKeys)
    return doc && { doc, visible: seesTeam(row.team_id) }
  },

  async write(db, viewer, { master, next }, origin) {
    for (const team of new Set([master?.teamId, next._deleted ? undefined : next.teamId])) {
      const refused = team && teamConfigRefusal(viewer, team)
      if (refused) return refused
    }
    const entity = { type: 'escalation', id: next.id, name: next._deleted ? (master?.name ?? '') : next.name }
    if (next._deleted) {
      if (!master) return undefined
      const used = await db
        .selectFrom('routing_rules')
        .select('name')
        .where('notify', 'like', `%"id":"${master.id.replace(/[\\%_"]/g, '')}"%`)
        .executeTakeFirst()
      // A routing rule sending alerts here would route them nowhere once it is gone (as DELETE answers 409).
      if (used)
        return `Escalation [${master.name}] is used by routing rule [${used.name}]; change that rule first`
      await db.deleteFrom('escalation_policies').where('id', '=', master.id).execute()
      await recordAudit(plain(db), { ...origin, action: 'delete', entity, before: asPolicy(master) })
      return undefined
    }
    const policy = asPolicy(next)
    const errors = Object.entries(validateEscalationPolicy(policy))
    if (errors.length) return errors.map(([k, v]) => `${k}: ${v}`).join('; ')
    if (next.name.trim() === '') return 'name: must not be blank'
    const problem =
      (await missingTeam(db, next.teamId)) ??
      (await missingUsers(
        db,
        next.rules.flatMap((r) => (r.recipient.type === 'user' ? [r.recipient.id] : [])),
      ))
    if (problem) return problem
    const clash = await db
      .selectFrom('escalation_policies')
      .select('id')
      .where('name', '=', next.name)
      .where('id', '!=', next.id)
      .executeTakeFirst()
    if (clash) return `Escalation with name [${next.name}] already exists`
    const values = {
      name: next.name,
      team_id: next.teamId,
      description: next.description,
      rules: JSON.stringify(next.rules),
      repeat: next.repeat ? JSON.stringify(next.repeat) : null,
      updated_at: origin.at,
    }
    if (master) {
      await db.updateTable('escalation_policies').set(values).where('id', '=', next.id).execute()
      await recordAudit(plain(db), {
        ...origin,
        action: 'update',
        entity,
        before: asPolicy(master),
        after: policy,
      })
    } else {
      await db
        .insertInto('escalation_policies')
        .values({ id: next.id, created_at: origin.at, ...values })
        .execute()
      await recordAudit(plain(db), { ...origin, action: 'create', entity, after: policy })
    }
    return undefined
  },
}
