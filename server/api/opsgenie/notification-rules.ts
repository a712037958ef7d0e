import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { type FieldErrors, shapeErrors, validateCriteria } from '../../../core/criteria'
import { newId } from '../../../core/ids/ids'
import type { Criteria } from '../../../core/model/criteria'
import {
  ChangeOrder,
  type NotificationActionType,
  type NotificationRule,
  NotificationRuleCreate,
  NotificationRulePatch,
  type NotificationStep,
} from '../../../core/model/notification-rule'
import { TimeRestriction } from '../../../core/model/time-restriction'
import { originOf, recordAudit } from '../../audit/record'
import type { AppContext } from '../../context'
import { placeRule, rowOf, ruleEntity, rulesOf, ruleView, writeOrder } from '../../notification-rules/rules'
import type { Database, NotificationRulesTable, UsersTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'
import { managedUser } from './users'

const security: Array<Record<string, string[]>> = [{ Session: [] }]
const tags = ['notification-rules']
const UserParams = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 200 }) })
const RuleParams = Type.Object({
  identifier: Type.String({ minLength: 1, maxLength: 200 }),
  ruleId: Type.String({ minLength: 1, maxLength: 200 }),
})
type OfUser = { Params: Static<typeof UserParams> }
type OfRule = { Params: Static<typeof RuleParams> }

const notFound = (id: string) => new ApiError(404, `Notification rule with id [${id}] does not exist`)
const SCHEDULE_ACTIONS: readonly string[] = ['schedule-start', 'schedule-end']

type RuleInput = {
  name: string
  actionType: NotificationActionType
  criteria?: unknown
  timeRestriction?: unknown
  notificationTime?: string[]
  steps?: Array<{
    contact: NotificationStep['contact']
    sendAfter?: { timeAmount: number }
    enabled?: boolean
  }>
  repeat?: { loopAfter: number; enabled?: boolean }
  order: number
  enabled?: boolean
}

/** Opsgenie's /v2/users/{id}/notification-rules: stored in Opsgenie's shape (delivery reads them later). */
export function notificationRuleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const pg = () => ctx.store.dialect === 'postgres'
  const base = '/v2/users/:identifier/notification-rules'

  async function find(q: Kysely<Database>, user: UsersTable, id: string): Promise<NotificationRulesTable> {
    const row = await q
      .selectFrom('notification_rules')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', user.id)
      .executeTakeFirst()
    if (!row) throw notFound(id)
    return row
  }

  /** Builds and validates the rule; 422 with Opsgenie field names. Steps must use the user's contacts. */
  async function ruleOf(user: UsersTable, b: RuleInput): Promise<Omit<NotificationRule, 'id'>> {
    const errors: FieldErrors = {}
    const criteria = b.criteria ?? { type: 'match-all' }
    Object.assign(errors, validateCriteria(criteria, 'criteria'))
    if (b.timeRestriction !== undefined && b.timeRestriction !== null) {
      Object.assign(errors, shapeErrors(TimeRestriction, b.timeRestriction, 'timeRestriction'))
    }
    const scheduled = SCHEDULE_ACTIONS.includes(b.actionType)
    if (scheduled && !b.notificationTime?.length) errors.notificationTime = `is required for ${b.actionType}`
    if (!scheduled && b.notificationTime !== undefined)
      errors.notificationTime = `applies only to schedule-start/-end`
    const contacts = await db()
      .selectFrom('contacts')
      .select(['method', 'address'])
      .where('user_id', '=', user.id)
      .execute()
    const steps: NotificationStep[] = (b.steps ?? []).map((s, i) => {
      const known =
        s.contact.method === 'desktop' ||
        contacts.some((c) => c.method === s.contact.method && c.address === s.contact.to)
      if (!known)
        errors[`steps[${i}].contact`] = `the user has no ${s.contact.method} contact ${s.contact.to}`
      return {
        contact: { method: s.contact.method, to: s.contact.to },
        sendAfter: { timeAmount: s.sendAfter?.timeAmount ?? 0, timeUnit: 'minutes' },
        enabled: s.enabled ?? true,
      }
    })
    if (Object.keys(errors).length) throw new ApiError(422, UNPROCESSABLE, errors)
    const rule: Omit<NotificationRule, 'id'> = {
      name: b.name.trim(),
      actionType: b.actionType,
      criteria: criteria as Criteria,
      steps,
      order: b.order,
      enabled: b.enabled ?? true,
    }
    if (b.timeRestriction !== undefined && b.timeRestriction !== null)
      rule.timeRestriction = b.timeRestriction
    if (b.notificationTime !== undefined) rule.notificationTime = b.notificationTime
    if (b.repeat !== undefined)
      rule.repeat = { loopAfter: b.repeat.loopAfter, enabled: b.repeat.enabled ?? true }
    return rule
  }

  /** Runs a change to one rule in a transaction with its audit entry; answers the rule afterwards. */
  async function change(
    req: Parameters<typeof originOf>[0],
    user: UsersTable,
    id: string,
    apply: (trx: Kysely<Database>, before: NotificationRulesTable) => Promise<void>,
  ): Promise<NotificationRule> {
    return db()
      .transaction()
      .execute(async (trx) => {
        await rulesOf(trx, user.id, pg())
        const before = await find(trx, user, id)
        await apply(trx, before)
        const after = await find(trx, user, id)
        await recordAudit(trx, {
          ...originOf(req, ctx.clock),
          action: 'update',
          entity: ruleEntity(after, user),
          before: ruleView(before),
          after: ruleView(after),
        })
        return ruleView(after)
      })
  }

  app.get<OfUser>(
    base,
    { schema: { tags, security, summary: "List a user's notification rules", params: UserParams } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'read')
      return ok(req, reply, 200, { data: (await rulesOf(db(), user.id, false)).map(ruleView) })
    },
  )

  app.post<OfUser & { Body: NotificationRuleCreate }>(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'Create a notification rule',
        params: UserParams,
        body: NotificationRuleCreate,
      },
    },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const now = ctx.clock.now()
      const rule = await ruleOf(user, { ...req.body, order: req.body.order ?? Number.MAX_SAFE_INTEGER })
      const id = newId(now)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const count = (await rulesOf(trx, user.id, pg())).length
          const row = rowOf({ ...rule, order: count }, id, user.id, now)
          await trx.insertInto('notification_rules').values(row).execute()
          await placeRule(trx, user.id, id, Math.min(rule.order, count), false)
          const after = ruleView(await find(trx, user, id))
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'create',
            entity: ruleEntity(row, user),
            after,
          })
          return after
        })
      return ok(req, reply, 201, { result: 'Created', data: { id: data.id } })
    },
  )

  const one = { params: RuleParams, security, tags }

  app.get<OfRule>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Get a notification rule' } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'read')
      return ok(req, reply, 200, { data: ruleView(await find(db(), user, req.params.ruleId)) })
    },
  )

  app.patch<OfRule & { Body: NotificationRulePatch }>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Update a notification rule', body: NotificationRulePatch } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const current = ruleView(await find(db(), user, req.params.ruleId))
      const b = req.body
      const rule = await ruleOf(user, {
        name: b.name ?? current.name,
        actionType: current.actionType,
        criteria: b.criteria ?? current.criteria,
        timeRestriction: b.timeRestriction === undefined ? current.timeRestriction : b.timeRestriction,
        notificationTime: b.notificationTime ?? current.notificationTime,
        steps: b.steps ?? current.steps,
        repeat: b.repeat ?? current.repeat,
        order: b.order ?? current.order,
        enabled: b.enabled ?? current.enabled,
      })
      const data = await change(req, user, current.id, async (trx, before) => {
        const {
          id: _i,
          user_id: _u,
          created_at: _c,
          rule_order: _o,
          ...set
        } = rowOf(rule, current.id, user.id, ctx.clock.now())
        await trx.updateTable('notification_rules').set(set).where('id', '=', before.id).execute()
        if (rule.order !== before.rule_order) await placeRule(trx, user.id, before.id, rule.order, false)
      })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<OfRule>(
    `${base}/:ruleId`,
    { schema: { ...one, summary: 'Delete a notification rule' } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      await db()
        .transaction()
        .execute(async (trx) => {
          await rulesOf(trx, user.id, pg())
          const row = await trx
            .deleteFrom('notification_rules')
            .where('id', '=', req.params.ruleId)
            .where('user_id', '=', user.id)
            .returningAll()
            .executeTakeFirst()
          if (!row) throw notFound(req.params.ruleId)
          const rest = await rulesOf(trx, user.id, false)
          await writeOrder(
            trx,
            rest,
            rest.map((r) => r.id),
          )
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'delete',
            entity: ruleEntity(row, user),
            before: ruleView(row),
          })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    app.post<OfRule>(
      `${base}/:ruleId/${action}`,
      { schema: { ...one, summary: `${action === 'enable' ? 'Enable' : 'Disable'} a notification rule` } },
      async (req, reply) => {
        const user = await managedUser(ctx, req, 'write')
        const on = action === 'enable' ? 1 : 0
        const current = await find(db(), user, req.params.ruleId)
        const data =
          current.enabled === on
            ? ruleView(current)
            : await change(req, user, current.id, async (trx, before) => {
                await trx
                  .updateTable('notification_rules')
                  .set({ enabled: on, updated_at: ctx.clock.now() })
                  .where('id', '=', before.id)
                  .execute()
              })
        return ok(req, reply, 200, { result: on ? 'Enabled' : 'Disabled', data })
      },
    )
  }

  app.post<OfRule & { Body: ChangeOrder }>(
    `${base}/:ruleId/change-order`,
    { schema: { ...one, summary: 'Move a notification rule', body: ChangeOrder } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const data = await change(req, user, req.params.ruleId, async (trx, before) => {
        await placeRule(trx, user.id, before.id, req.body.order, false)
      })
      return ok(req, reply, 200, { result: 'Changed', data })
    },
  )
}
