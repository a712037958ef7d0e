import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { addError, type FieldErrors } from '../../../core/criteria/errors'
import { newId } from '../../../core/ids/ids'
import type { AlertPolicy } from '../../../core/model/routing'
import { moveTo, positionChanges } from '../../../core/ordering/positions'
import { validateAlertPolicy } from '../../../core/routing/validate'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden } from '../../auth/authorize'
import { isAccountAdmin, type Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import { canReadTeam, requireConfigChange, requireConfigRead } from '../../escalations/access'
import { fromOpsgenie, opsgenieKeys, PolicyBody, view } from '../../policies/opsgenie'
import { policyColumn, policyRows } from '../../policies/store'
import type { AlertPoliciesTable, Database } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['policies']

const TeamQuery = Type.Object({ teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) })
type TeamQuery = Static<typeof TeamQuery>
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
type Identified = { Params: Static<typeof IdParams>; Querystring: TeamQuery }
const ChangeOrder = Type.Object({ order: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })

const invalid = (errors: FieldErrors) => new ApiError(422, UNPROCESSABLE, errors)
const notFound = (id: string) => new ApiError(404, `Policy with id [${id}] does not exist`)
const entityOf = (r: { id: string; name: string }) => ({ type: 'policy', id: r.id, name: r.name })

/** Opsgenie's alert policies (/v2/policies): global without `teamId`, a team's with `?teamId=`. */
export function policyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const origin = (req: FastifyRequest) => originOf(req, ctx.clock)

  /** The policy group the query names (null = global), readable by the principal. */
  async function groupOf(p: Principal, q: TeamQuery): Promise<string | null> {
    requireConfigRead(p)
    if (q.teamId === undefined) {
      if (!isAccountAdmin(p)) throw forbidden('Only owners and admins may see global policies')
      return null
    }
    const team = await db().selectFrom('teams').select('id').where('id', '=', q.teamId).executeTakeFirst()
    if (!team || !canReadTeam(p, team.id))
      throw new ApiError(404, `Team with id [${q.teamId}] does not exist`)
    return team.id
  }

  function requireChange(p: Principal, teamId: string | null, access: 'write' | 'delete'): void {
    if (teamId !== null) requireConfigChange(p, teamId, access)
    else if (!isAccountAdmin(p)) throw forbidden('Only owners and admins may change global policies')
  }

  /** Serializes changes to one group's positions on PostgreSQL; SQLite writers are serial already. */
  async function lock(trx: Kysely<Database>, teamId: string | null): Promise<void> {
    if (ctx.store.dialect !== 'postgres') return
    if (teamId !== null)
      await trx.selectFrom('teams').select('id').where('id', '=', teamId).forUpdate().execute()
    else
      await trx.selectFrom('alert_policies').select('id').where('team_id', 'is', null).forUpdate().execute()
  }

  async function rowOf(q: Kysely<Database>, teamId: string | null, id: string): Promise<AlertPoliciesTable> {
    const row = await q
      .selectFrom('alert_policies')
      .selectAll()
      .where('id', '=', id)
      .$if(teamId === null, (w) => w.where('team_id', 'is', null))
      .$if(teamId !== null, (w) => w.where('team_id', '=', teamId as string))
      .executeTakeFirst()
    if (!row) throw notFound(id)
    return row
  }

  /** Rewrites the group's positions to 0..n-1 in the given id order. */
  async function renumber(trx: Kysely<Database>, teamId: string | null, ids: string[], now: number) {
    const at = new Map((await policyRows(trx, teamId)).map((r) => [r.id, r.position]))
    for (const c of positionChanges(at, ids)) {
      await trx
        .updateTable('alert_policies')
        .set({ position: c.position, updated_at: now })
        .where('id', '=', c.id)
        .execute()
    }
  }

  function check(b: PolicyBody, policy: AlertPolicy): void {
    const errors = opsgenieKeys(validateAlertPolicy(policy))
    if (b.type !== undefined && b.type !== 'alert') {
      addError(errors, 'type', 'only alert policies are supported; notification policies are not')
    }
    if (b.ignoreOriginalTeams === true) {
      addError(
        errors,
        'ignoreOriginalTeams',
        'Vigil alerts keep teams among responders: use ignoreOriginalResponders',
      )
    }
    if (Object.keys(errors).length) throw invalid(errors)
  }

  app.post<{ Body: PolicyBody; Querystring: TeamQuery }>(
    '/v2/policies',
    {
      schema: { tags, summary: 'Create an alert policy', querystring: TeamQuery, body: PolicyBody, security },
    },
    async (req, reply) => {
      const p = req.principal
      const teamId = await groupOf(p, req.query)
      requireChange(p, teamId, 'write')
      const now = ctx.clock.now()
      const policy = fromOpsgenie(req.body, newId(now), 0, req.body.enabled ?? true)
      check(req.body, policy)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lock(trx, teamId)
          const position = (await policyRows(trx, teamId)).length
          const row: AlertPoliciesTable = {
            id: policy.id,
            team_id: teamId,
            name: policy.name,
            description: req.body.policyDescription ?? '',
            position,
            enabled: policy.enabled ? 1 : 0,
            policy: policyColumn(policy),
            created_at: now,
            updated_at: now,
          }
          await trx.insertInto('alert_policies').values(row).execute()
          const after = view(row)
          await recordAudit(trx, { ...origin(req), action: 'create', entity: entityOf(row), after })
          return after
        })
      return ok(req, reply, 201, { result: 'Created', data })
    },
  )

  app.get<{ Querystring: TeamQuery }>(
    '/v2/policies/alert',
    { schema: { tags, summary: 'List alert policies in order', querystring: TeamQuery, security } },
    async (req, reply) => {
      const teamId = await groupOf(req.principal, req.query)
      return ok(req, reply, 200, { data: (await policyRows(db(), teamId)).map(view) })
    },
  )

  const one = { tags, params: IdParams, querystring: TeamQuery, security }

  app.get<Identified>(
    '/v2/policies/:id',
    { schema: { ...one, summary: 'Get a policy' } },
    async (req, reply) => {
      const teamId = await groupOf(req.principal, req.query)
      return ok(req, reply, 200, { data: view(await rowOf(db(), teamId, req.params.id)) })
    },
  )

  app.put<Identified & { Body: PolicyBody }>(
    '/v2/policies/:id',
    { schema: { ...one, summary: 'Update a policy', body: PolicyBody } },
    async (req, reply) => {
      const p = req.principal
      const teamId = await groupOf(p, req.query)
      requireChange(p, teamId, 'write')
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const row = await rowOf(trx, teamId, req.params.id)
          const policy = fromOpsgenie(req.body, row.id, row.position, req.body.enabled ?? row.enabled === 1)
          check(req.body, policy)
          const next: AlertPoliciesTable = {
            ...row,
            name: policy.name,
            description: req.body.policyDescription ?? '',
            enabled: policy.enabled ? 1 : 0,
            policy: policyColumn(policy),
            updated_at: now,
          }
          const { id: _id, ...set } = next
          await trx.updateTable('alert_policies').set(set).where('id', '=', row.id).execute()
          const after = view(next)
          await recordAudit(trx, {
            ...origin(req),
            action: 'update',
            entity: entityOf(next),
            before: view(row),
            after,
          })
          return after
        })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<Identified>(
    '/v2/policies/:id',
    { schema: { ...one, summary: 'Delete a policy' } },
    async (req, reply) => {
      const p = req.principal
      const teamId = await groupOf(p, req.query)
      requireChange(p, teamId, 'delete')
      await db()
        .transaction()
        .execute(async (trx) => {
          await lock(trx, teamId)
          const row = await rowOf(trx, teamId, req.params.id)
          await trx.deleteFrom('alert_policies').where('id', '=', row.id).execute()
          const ids = (await policyRows(trx, teamId)).map((r) => r.id)
          await renumber(trx, teamId, ids, ctx.clock.now())
          await recordAudit(trx, {
            ...origin(req),
            action: 'delete',
            entity: entityOf(row),
            before: view(row),
          })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  for (const [verb, enabled] of [
    ['enable', 1],
    ['disable', 0],
  ] as const) {
    app.post<Identified>(
      `/v2/policies/:id/${verb}`,
      { schema: { ...one, summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a policy` } },
      async (req, reply) => {
        const p = req.principal
        const teamId = await groupOf(p, req.query)
        requireChange(p, teamId, 'write')
        const now = ctx.clock.now()
        const data = await db()
          .transaction()
          .execute(async (trx) => {
            const row = await rowOf(trx, teamId, req.params.id)
            const next = { ...row, enabled, updated_at: now }
            await trx
              .updateTable('alert_policies')
              .set({ enabled, updated_at: now })
              .where('id', '=', row.id)
              .execute()
            const after = view(next)
            await recordAudit(trx, {
              ...origin(req),
              action: verb,
              entity: entityOf(row),
              before: view(row),
              after,
            })
            return after
          })
        return ok(req, reply, 200, { result: verb === 'enable' ? 'Enabled' : 'Disabled', data })
      },
    )
  }

  app.post<Identified & { Body: Static<typeof ChangeOrder> }>(
    '/v2/policies/:id/change-order',
    { schema: { ...one, summary: 'Move a policy', body: ChangeOrder } },
    async (req, reply) => {
      const p = req.principal
      const teamId = await groupOf(p, req.query)
      requireChange(p, teamId, 'write')
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          await lock(trx, teamId)
          const row = await rowOf(trx, teamId, req.params.id)
          const ids = moveTo(
            (await policyRows(trx, teamId)).map((r) => r.id),
            row.id,
            req.body.order,
          )
          await renumber(trx, teamId, ids, now)
          const after = view(await rowOf(trx, teamId, row.id))
          await recordAudit(trx, {
            ...origin(req),
            action: 'change-order',
            entity: entityOf(row),
            before: view(row),
            after,
          })
          return after
        })
      return ok(req, reply, 200, { result: 'Changed', data })
    },
  )
}
