import type { Kysely } from 'kysely'
import type { CriteriaSubject } from '../../core/criteria/evaluate'
import { newId } from '../../core/ids/ids'
import type { Criteria } from '../../core/model/criteria'
import type { RoutingNotify, RoutingRule } from '../../core/model/routing'
import type { TimeRestriction } from '../../core/model/time-restriction'
import { type RouteDecision, routeAlert } from '../../core/routing/route'
import { type AuditOrigin, recordAudit } from '../audit/record'
import type { Database, RoutingRulesTable } from '../store/schema'

/** The name the lazily created default rule gets. */
export const DEFAULT_RULE_NAME = 'Default Rule'

/** A stored routing rule in the internal model. */
export function ruleFromRow(row: RoutingRulesTable): RoutingRule {
  const rule: RoutingRule = {
    id: row.id,
    name: row.name,
    order: row.position,
    criteria: JSON.parse(row.criteria) as Criteria,
    timezone: row.timezone,
    notify: JSON.parse(row.notify) as RoutingNotify,
    isDefault: row.is_default === 1,
  }
  if (row.time_restriction !== null)
    rule.timeRestriction = JSON.parse(row.time_restriction) as TimeRestriction
  return rule
}

/** The team's rule rows in evaluation order: non-default by position, the default last. */
export function teamRuleRows(db: Kysely<Database>, teamId: string): Promise<RoutingRulesTable[]> {
  return db
    .selectFrom('routing_rules')
    .selectAll()
    .where('team_id', '=', teamId)
    .orderBy('is_default')
    .orderBy('position')
    .orderBy('created_at')
    .execute()
}

/** The team's routing rules (internal model) in evaluation order. */
export async function loadTeamRules(db: Kysely<Database>, teamId: string): Promise<RoutingRule[]> {
  return (await teamRuleRows(db, teamId)).map(ruleFromRow)
}

/**
 * Where an alert reaching the team at `instant` (epoch ms) goes: the team's routing rules, evaluated by
 * core's routeAlert. Undefined when the team has no rules at all (not even its default rule yet).
 */
export async function routeForTeam(
  db: Kysely<Database>,
  teamId: string,
  alert: CriteriaSubject,
  instant: number,
): Promise<RouteDecision | undefined> {
  return routeAlert(await loadTeamRules(db, teamId), alert, instant)
}

/** What a new default rule notifies: the team's default escalation (`<team>_escalation`) if any, else none. */
async function defaultNotify(db: Kysely<Database>, teamId: string): Promise<RoutingNotify> {
  const team = await db.selectFrom('teams').select('name').where('id', '=', teamId).executeTakeFirst()
  if (!team) return { type: 'none' }
  const esc = await db
    .selectFrom('escalation_policies')
    .select('id')
    .where('team_id', '=', teamId)
    .where('name', '=', `${team.name}_escalation`)
    .executeTakeFirst()
  return esc ? { type: 'escalation', id: esc.id } : { type: 'none' }
}

/**
 * Creates the team's default rule when it has none (run in the caller's transaction, with an audit
 * entry). Returns true when it created one.
 */
export async function ensureDefaultRule(
  trx: Kysely<Database>,
  teamId: string,
  origin: AuditOrigin,
  snapshot: (rule: RoutingRule) => object,
): Promise<boolean> {
  const has = await trx
    .selectFrom('routing_rules')
    .select('id')
    .where('team_id', '=', teamId)
    .where('is_default', '=', 1)
    .executeTakeFirst()
  if (has) return false
  const row: RoutingRulesTable = {
    id: newId(origin.at),
    team_id: teamId,
    name: DEFAULT_RULE_NAME,
    position: 0,
    criteria: JSON.stringify({ type: 'match-all' }),
    time_restriction: null,
    timezone: 'UTC',
    notify: JSON.stringify(await defaultNotify(trx, teamId)),
    is_default: 1,
    created_at: origin.at,
    updated_at: origin.at,
  }
  await trx.insertInto('routing_rules').values(row).execute()
  const rule = ruleFromRow(row)
  await recordAudit(trx, {
    ...origin,
    action: 'create',
    entity: { type: 'routing-rule', id: row.id, name: row.name },
    after: snapshot(rule),
  })
  return true
}
