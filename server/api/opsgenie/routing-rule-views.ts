/** Routing rules as the Opsgenie API shows them: stored rows turned into views, target names included. */
import type { Kysely } from 'kysely'
import type { Criteria } from '../../../core/model/criteria'
import type { RoutingNotify } from '../../../core/model/routing'
import type { TimeRestriction } from '../../../core/model/time-restriction'
import { ruleFromRow, teamRuleRows } from '../../routing/rules'
import type { Database, RoutingRulesTable } from '../../store/schema'
import { ApiError } from '../envelope'

/** A routing rule as Opsgenie shows it: notify carries the target's name too. */
export interface RuleView {
  id: string
  name: string
  isDefault: boolean
  order: number
  criteria: Criteria
  timeRestriction?: TimeRestriction
  timezone: string
  notify: { type: RoutingNotify['type']; id?: string; name?: string }
}

/** The 404 for a rule id the team does not have. */
export const ruleNotFound = (id: string) => new ApiError(404, `Routing rule with id [${id}] does not exist`)

/** The views of a team's rule rows (given in evaluation order); the default rule's order is last. */
export async function ruleViews(q: Kysely<Database>, rows: RoutingRulesTable[]): Promise<RuleView[]> {
  const rules = rows.map(ruleFromRow)
  const ids = (type: 'escalation' | 'schedule') =>
    rules.flatMap((r) => (r.notify.type === type ? [r.notify.id] : []))
  const names = new Map<string, string>()
  for (const [type, table] of [
    ['escalation', 'escalation_policies'],
    ['schedule', 'schedules'],
  ] as const) {
    const list = ids(type)
    if (!list.length) continue
    for (const t of await q.selectFrom(table).select(['id', 'name']).where('id', 'in', list).execute())
      names.set(`${type}:${t.id}`, t.name)
  }
  const regular = rules.filter((r) => !r.isDefault).length
  return rules.map((r) => {
    const v: RuleView = {
      id: r.id,
      name: r.name,
      isDefault: r.isDefault,
      order: r.isDefault ? regular : r.order,
      criteria: r.criteria,
      timezone: r.timezone,
      notify: { ...r.notify },
    }
    if (r.timeRestriction) v.timeRestriction = r.timeRestriction
    if (r.notify.type !== 'none') {
      const name = names.get(`${r.notify.type}:${r.notify.id}`)
      if (name !== undefined) v.notify.name = name
    }
    return v
  })
}

/** The view of one of the team's rules, or 404; its order counts among all the team's rules. */
export async function ruleViewOf(q: Kysely<Database>, teamId: string, ruleId: string): Promise<RuleView> {
  const rows = await teamRuleRows(q, teamId)
  const all = await ruleViews(q, rows)
  const v = all.find((r) => r.id === ruleId)
  if (!v) throw ruleNotFound(ruleId)
  return v
}
