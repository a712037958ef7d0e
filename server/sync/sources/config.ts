/** Team configuration as replicated documents: schedules, overrides, policies, routing rules, integrations. */
import type { Selectable } from 'kysely'
import type {
  EscalationPolicyDoc,
  IntegrationDoc,
  OverrideDoc,
  RoutingRuleDoc,
  ScheduleDoc,
} from '../../../core/sync/documents'
import { ruleFromRow } from '../../routing/rules'
import type { RoutingRulesTable } from '../../store/schema'
import { viewerTeams } from '../access'
import type { SyncDatabase } from '../tables'
import { overrideKeys, policyKeys, routingRuleKeys, scheduleKeys, stampAuthors } from '../writers/authors'
import { inTeams, json, type Source, teamAudience } from './source'

/**
 * A schedule row as its document (rotations as stored; overrides are their own collection). `updatedBy`
 * is not a column: stampAuthors adds it from the audit log (writers/authors.ts), as for the other
 * pushable documents below.
 */
export function scheduleDoc(r: Selectable<SyncDatabase['schedules']>): ScheduleDoc {
  return {
    id: r.id,
    _deleted: false,
    name: r.name,
    description: r.description,
    timezone: r.timezone,
    enabled: r.enabled === 1,
    teamId: r.team_id,
    rotations: json<ScheduleDoc['rotations']>(r.rotations, []),
  }
}

export const schedulesSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('schedules')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'schedules.team_id', viewer && viewerTeams(viewer)))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    const changes = rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: scheduleDoc(r),
      audience: teamAudience(r.team_id),
    }))
    await stampAuthors(
      db,
      changes.map((c) => c.doc),
      scheduleKeys,
    )
    return changes
  },
}

/** An override row as its document. */
export function overrideDoc(r: Selectable<SyncDatabase['schedule_overrides']>): OverrideDoc {
  const doc: OverrideDoc = {
    id: r.id,
    _deleted: false,
    scheduleId: r.schedule_id,
    alias: r.alias,
    userId: r.user_id,
    start: Number(r.start_at),
    end: Number(r.end_at),
  }
  if (r.rotation_ids !== null) doc.rotationIds = json<string[]>(r.rotation_ids, [])
  return doc
}

export const overridesSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('schedule_overrides')
      .innerJoin('schedules', 'schedules.id', 'schedule_overrides.schedule_id')
      .selectAll('schedule_overrides')
      .select('schedules.team_id')
      .where('schedule_overrides.change_seq', '>', after)
      .where('schedule_overrides.change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'schedules.team_id', viewer && viewerTeams(viewer)))
      .orderBy('schedule_overrides.change_seq')
      .limit(limit)
      .execute()
    const changes = rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: overrideDoc(r),
      audience: teamAudience(r.team_id),
    }))
    await stampAuthors(
      db,
      changes.map((c) => c.doc),
      overrideKeys,
    )
    return changes
  },
}

/** A policy row as its document. */
export function policyDoc(r: Selectable<SyncDatabase['escalation_policies']>): EscalationPolicyDoc {
  const doc: EscalationPolicyDoc = {
    id: r.id,
    _deleted: false,
    name: r.name,
    description: r.description,
    teamId: r.team_id,
    rules: json<EscalationPolicyDoc['rules']>(r.rules, []),
  }
  if (r.repeat !== null)
    doc.repeat = json<NonNullable<EscalationPolicyDoc['repeat']>>(r.repeat, undefined as never)
  return doc
}

export const escalationPoliciesSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('escalation_policies')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'escalation_policies.team_id', viewer && viewerTeams(viewer)))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    const changes = rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: policyDoc(r),
      audience: teamAudience(r.team_id),
    }))
    await stampAuthors(
      db,
      changes.map((c) => c.doc),
      policyKeys,
    )
    return changes
  },
}

/** A routing rule row as its document (core's RoutingRule plus its team). */
export function routingRuleDoc(r: Selectable<SyncDatabase['routing_rules']>): RoutingRuleDoc {
  const rule = ruleFromRow(r as RoutingRulesTable)
  return { ...rule, _deleted: false, teamId: r.team_id }
}

export const routingRulesSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('routing_rules')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'routing_rules.team_id', viewer && viewerTeams(viewer)))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    const changes = rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: routingRuleDoc(r),
      audience: teamAudience(r.team_id),
    }))
    await stampAuthors(
      db,
      changes.map((c) => c.doc),
      routingRuleKeys,
    )
    return changes
  },
}

/** An integration row as its document: never the key hash, only its hint. */
export function integrationDoc(r: Selectable<SyncDatabase['integrations']>): IntegrationDoc {
  return {
    id: r.id,
    _deleted: false,
    name: r.name,
    type: r.type,
    teamId: r.team_id,
    enabled: r.enabled === 1,
    allowReadAccess: r.allow_read === 1,
    allowWriteAccess: r.allow_write === 1,
    allowDeleteAccess: r.allow_delete === 1,
    allowConfigurationAccess: r.allow_configuration === 1,
    rateLimitPerMinute: Number(r.rate_limit_per_minute),
    keyHint: r.key_hint,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

export const integrationsSource: Source = {
  async changed(db, after, upTo, limit, viewer) {
    const rows = await db
      .selectFrom('integrations')
      .selectAll()
      .where('change_seq', '>', after)
      .where('change_seq', '<=', upTo)
      .where((eb) => inTeams(eb, 'integrations.team_id', viewer && viewerTeams(viewer)))
      .orderBy('change_seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      seq: Number(r.change_seq),
      doc: integrationDoc(r),
      audience: teamAudience(r.team_id),
    }))
  },
}
