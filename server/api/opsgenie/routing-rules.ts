import type { Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { FieldErrors } from '../../../core/criteria/errors'
import { newId } from '../../../core/ids/ids'
import type { Criteria } from '../../../core/model/criteria'
import { MAX_ROUTING_RULES, type RoutingNotify, type RoutingRule } from '../../../core/model/routing'
import type { TimeRestriction } from '../../../core/model/time-restriction'
import { moveTo, positionChanges } from '../../../core/ordering/positions'
import { validateRoutingRule, validateRoutingRules } from '../../../core/routing/validate'
import { type AuditOrigin, originOf, recordAudit } from '../../audit/record'
import type { Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import { canReadTeam, requireConfigChange, requireConfigRead } from '../../escalations/access'
import { ensureDefaultRule, ruleFromRow, teamRuleRows } from '../../routing/rules'
import type { Database, RoutingRulesTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'
import {
  ChangeOrder,
  type Notify,
  RuleCreate,
  RuleParams,
  RulePatch,
  type RuleReq,
  TeamParams,
  TeamQuery,
  type TeamReq,
} from './routing-rule-schemas'
import { ruleNotFound, ruleViewOf, ruleViews } from './routing-rule-views'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['routing-rules']

const invalid = (errors: FieldErrors) => new ApiError(422, UNPROCESSABLE, errors)
const entity = (r: { id: string; name: string }) => ({ type: 'routing-rule', id: r.id, name: r.name })
const plainView = (r: RoutingRule): object => ({ ...r })

/** Opsgenie's team routing rules: /v2/teams/{id}/routing-rules, with the team's protected default rule. */
export function routingRuleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  /** The team the path names, readable by the principal, or 404. */
  async function teamOf(req: FastifyRequest<TeamReq>): Promise<{ id: string; name: string }> {
    requireConfigRead(req.principal)
    const byName = req.query.teamIdentifierType === 'name'
    const team = await db()
      .selectFrom('teams')
      .select(['id', 'name'])
      .where(byName ? 'name' : 'id', '=', req.params.team)
      .executeTakeFirst()
    if (!team || !canReadTeam(req.principal, team.id)) {
      throw new ApiError(404, `Team with identifier [${req.params.team}] does not exist`)
    }
    return team
  }

  /** Serializes changes to one team's rules (positions) on PostgreSQL; SQLite writers are serial already. */
  async function lockTeam(trx: Kysely<Database>, teamId: string): Promise<void> {
    if (ctx.store.dialect !== 'postgres') return
    await trx.selectFrom('teams').select('id').where('id', '=', teamId).forUpdate().execute()
  }

  /** The notify target by id or name, within what the principal may read; 422 `notify` when unknown. */
  async function resolveNotify(p: Principal, n: Notify): Promise<RoutingNotify> {
    if (n.type === 'none') return { type: 'none' }
    if (n.id === undefined && n.name === undefined) throw invalid({ notify: 'must have an id or a name' })
    const table = n.type === 'escalation' ? 'escalation_policies' : 'schedules'
    const row = await db()
      .selectFrom(table)
      .select(['id', 'team_id'])
      .$if(n.id !== undefined, (q) => q.where('id', '=', n.id as string))
      .$if(n.id === undefined, (q) => q.where('name', '=', n.name as string))
      .executeTakeFirst()
    if (!row || !canReadTeam(p, row.team_id)) {
      throw invalid({ notify: `${n.type} ${n.id ?? n.name} does not exist` })
    }
    return { type: n.type, id: row.id }
  }

  function check(rule: RoutingRule): void {
    const errors = validateRoutingRule(rule)
    delete errors.id
    delete errors.order
    if (Object.keys(errors).length) throw invalid(errors)
  }

  /** Validates the team's whole list after a change (inside the transaction, so a failure rolls back). */
  async function checkTeam(trx: Kysely<Database>, teamId: string): Promise<void> {
    const errors = validateRoutingRules((await teamRuleRows(trx, teamId)).map(ruleFromRow))
    if (Object.keys(errors).length) throw invalid(errors)
  }

  /** Rewrites the non-default rules' positions to 0..n-1 in the given id order. */
  async function renumber(trx: Kysely<Database>, teamId: string, ids: string[], now: number): Promise<void> {
    const rows = await teamRuleRows(trx, teamId)
    const at = new Map(rows.map((r) => [r.id, r.position]))
    for (const c of positionChanges(at, ids)) {
      await trx
        .updateTable('routing_rules')
        .set({ position: c.position, updated_at: now })
        .where('id', '=', c.id)
        .where('team_id', '=', teamId)
        .execute()
    }
  }

  const regularIds = async (trx: Kysely<Database>, teamId: string) =>
    (await teamRuleRows(trx, teamId)).filter((r) => r.is_default === 0).map((r) => r.id)

  const origin = (req: FastifyRequest): AuditOrigin => originOf(req, ctx.clock)
  const base = '/v2/teams/:team/routing-rules'

  app.get<TeamReq>(
    base,
    { schema: { tags, summary: 'List routing rules', params: TeamParams, querystring: TeamQuery, security } },
    async (req, reply) => {
      const team = await teamOf(req)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lockTeam(trx, team.id)
          await ensureDefaultRule(trx, team.id, origin(req), plainView)
          return ruleViews(trx, await teamRuleRows(trx, team.id))
        })
      return ok(req, reply, 200, { data })
    },
  )

  app.post<TeamReq & { Body: RuleCreate }>(
    base,
    {
      schema: {
        tags,
        summary: 'Create a routing rule',
        params: TeamParams,
        querystring: TeamQuery,
        body: RuleCreate,
        security,
      },
    },
    async (req, reply) => {
      const p = req.principal
      const team = await teamOf(req)
      requireConfigChange(p, team.id, 'write')
      const b = req.body
      const now = ctx.clock.now()
      const rule: RoutingRule = {
        id: newId(now),
        name: b.name?.trim() || 'Routing rule',
        order: b.order ?? 0,
        criteria: (b.criteria ?? { type: 'match-all' }) as Criteria,
        timezone: b.timezone ?? 'UTC',
        notify: await resolveNotify(p, b.notify),
        isDefault: false,
      }
      if (b.timeRestriction !== undefined && b.timeRestriction !== null)
        rule.timeRestriction = b.timeRestriction as TimeRestriction
      check(rule)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lockTeam(trx, team.id)
          await ensureDefaultRule(trx, team.id, origin(req), plainView)
          const ids = await regularIds(trx, team.id)
          if (ids.length + 1 >= MAX_ROUTING_RULES) {
            throw invalid({
              order: `a team has at most ${MAX_ROUTING_RULES} routing rules, its default included`,
            })
          }
          const order = moveTo(ids, rule.id, b.order ?? ids.length)
          await trx
            .insertInto('routing_rules')
            .values({
              id: rule.id,
              team_id: team.id,
              name: rule.name,
              position: order.length - 1,
              criteria: JSON.stringify(rule.criteria),
              time_restriction: rule.timeRestriction ? JSON.stringify(rule.timeRestriction) : null,
              timezone: rule.timezone,
              notify: JSON.stringify(rule.notify),
              is_default: 0,
              created_at: now,
              updated_at: now,
            })
            .execute()
          await renumber(trx, team.id, order, now)
          await checkTeam(trx, team.id)
          const after = await ruleViewOf(trx, team.id, rule.id)
          await recordAudit(trx, { ...origin(req), action: 'create', entity: entity(rule), after })
          return after
        })
      return ok(req, reply, 201, { result: 'Created', data })
    },
  )

  const one = { tags, params: RuleParams, querystring: TeamQuery, security }

  async function ruleRow(q: Kysely<Database>, teamId: string, ruleId: string): Promise<RoutingRulesTable> {
    const row = await q
      .selectFrom('routing_rules')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('id', '=', ruleId)
      .executeTakeFirst()
    if (!row) throw ruleNotFound(ruleId)
    return row
  }

  app.get<RuleReq>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Get a routing rule' } },
    async (req, reply) => {
      const team = await teamOf(req)
      return ok(req, reply, 200, { data: await ruleViewOf(db(), team.id, req.params.ruleId) })
    },
  )

  app.patch<RuleReq & { Body: RulePatch }>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Update a routing rule', body: RulePatch } },
    async (req, reply) => {
      const p = req.principal
      const team = await teamOf(req)
      requireConfigChange(p, team.id, 'write')
      const b = req.body
      const notify = b.notify ? await resolveNotify(p, b.notify) : undefined
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lockTeam(trx, team.id)
          const row = await ruleRow(trx, team.id, req.params.ruleId)
          const current = ruleFromRow(row)
          const before = await ruleViewOf(trx, team.id, row.id)
          const next: RoutingRule = { ...current }
          if (b.name !== undefined) next.name = b.name.trim()
          if (b.criteria !== undefined) next.criteria = b.criteria as Criteria
          if (b.timezone !== undefined) next.timezone = b.timezone
          if (notify) next.notify = notify
          if (b.timeRestriction === null) delete next.timeRestriction
          else if (b.timeRestriction !== undefined)
            next.timeRestriction = b.timeRestriction as TimeRestriction
          check(next)
          await trx
            .updateTable('routing_rules')
            .set({
              name: next.name,
              criteria: JSON.stringify(next.criteria),
              time_restriction: next.timeRestriction ? JSON.stringify(next.timeRestriction) : null,
              timezone: next.timezone,
              notify: JSON.stringify(next.notify),
              updated_at: now,
            })
            .where('id', '=', row.id)
            .execute()
          await checkTeam(trx, team.id)
          const after = await ruleViewOf(trx, team.id, row.id)
          await recordAudit(trx, { ...origin(req), action: 'update', entity: entity(next), before, after })
          return after
        })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<RuleReq>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Delete a routing rule' } },
    async (req, reply) => {
      const team = await teamOf(req)
      requireConfigChange(req.principal, team.id, 'delete')
      await db()
        .transaction()
        .execute(async (trx) => {
          await lockTeam(trx, team.id)
          const row = await ruleRow(trx, team.id, req.params.ruleId)
          if (row.is_default === 1) throw new ApiError(409, 'The default routing rule cannot be deleted')
          const before = await ruleViewOf(trx, team.id, row.id)
          await trx.deleteFrom('routing_rules').where('id', '=', row.id).execute()
          await renumber(trx, team.id, await regularIds(trx, team.id), ctx.clock.now())
          await recordAudit(trx, { ...origin(req), action: 'delete', entity: entity(row), before })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.post<RuleReq & { Body: Static<typeof ChangeOrder> }>(
    `${base}/:ruleId/change-order`,
    { schema: { ...one, summary: 'Move a routing rule', body: ChangeOrder } },
    async (req, reply) => {
      const team = await teamOf(req)
      requireConfigChange(req.principal, team.id, 'write')
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lockTeam(trx, team.id)
          const row = await ruleRow(trx, team.id, req.params.ruleId)
          if (row.is_default === 1) {
            throw invalid({ order: 'the default routing rule is always evaluated last and cannot be moved' })
          }
          const before = await ruleViewOf(trx, team.id, row.id)
          const ids = moveTo(await regularIds(trx, team.id), row.id, req.body.order)
          await renumber(trx, team.id, ids, now)
          const after = await ruleViewOf(trx, team.id, row.id)
          await recordAudit(trx, {
            ...origin(req),
            action: 'change-order',
            entity: entity(row),
            before,
            after,
          })
          return after
        })
      return ok(req, reply, 200, { result: 'Changed', data })
    },
  )
}
