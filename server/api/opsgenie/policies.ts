import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { addError, type FieldErrors } from '../../../core/criteria/errors'
import { newId } from '../../../core/ids/ids'
import type { Priority } from '../../../core/model/alert'
import type { Criteria } from '../../../core/model/criteria'
import type { Recipient } from '../../../core/model/recipient'
import type { AlertPolicy, IgnoreOriginal } from '../../../core/model/routing'
import type { TimeRestriction } from '../../../core/model/time-restriction'
import { moveTo, positionChanges } from '../../../core/ordering/positions'
import { validateAlertPolicy } from '../../../core/routing/validate'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden } from '../../auth/authorize'
import { isAccountAdmin, type Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import { canReadTeam, requireConfigChange, requireConfigRead } from '../../escalations/access'
import { policyColumn, policyFromRow, policyRows } from '../../policies/store'
import type { AlertPoliciesTable, Database } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['policies']

// Filter, time restrictions, responders and the rest are checked by core's validateAlertPolicy.
const PolicyBody = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 20 })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    policyDescription: Type.Optional(Type.String({ maxLength: 512 })),
    enabled: Type.Optional(Type.Boolean()),
    filter: Type.Optional(Type.Unknown()),
    timeRestrictions: Type.Optional(Type.Unknown()),
    // Vigil extension: the zone the time restrictions are read in (UTC by default).
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    message: Type.String({ maxLength: 1000 }),
    alias: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    entity: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    actions: Type.Optional(Type.Array(Type.String())),
    responders: Type.Optional(Type.Array(Type.Unknown())),
    tags: Type.Optional(Type.Array(Type.String())),
    details: Type.Optional(Type.Record(Type.String(), Type.String())),
    priority: Type.Optional(Type.String()),
    continue: Type.Optional(Type.Boolean()),
    ignoreOriginalActions: Type.Optional(Type.Boolean()),
    ignoreOriginalDetails: Type.Optional(Type.Boolean()),
    ignoreOriginalResponders: Type.Optional(Type.Boolean()),
    ignoreOriginalTags: Type.Optional(Type.Boolean()),
    ignoreOriginalTeams: Type.Optional(Type.Boolean()),
    // Vigil extensions (core's AlertPolicy): hold notifications, close the alert after a while.
    suppress: Type.Optional(Type.Boolean()),
    autoCloseAfterMinutes: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
)
type PolicyBody = Static<typeof PolicyBody>
const TeamQuery = Type.Object({ teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) })
type TeamQuery = Static<typeof TeamQuery>
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
type Identified = { Params: Static<typeof IdParams>; Querystring: TeamQuery }
const ChangeOrder = Type.Object({ order: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })

/** An alert policy as Opsgenie shows it (plus teamId, null for global policies). */
type PolicyView = Record<string, unknown> & { id: string; name: string }

const invalid = (errors: FieldErrors) => new ApiError(422, UNPROCESSABLE, errors)
const notFound = (id: string) => new ApiError(404, `Policy with id [${id}] does not exist`)
const entityOf = (r: { id: string; name: string }) => ({ type: 'policy', id: r.id, name: r.name })

const IGNORE: ReadonlyArray<[keyof IgnoreOriginal, keyof PolicyBody]> = [
  ['actions', 'ignoreOriginalActions'],
  ['details', 'ignoreOriginalDetails'],
  ['responders', 'ignoreOriginalResponders'],
  ['tags', 'ignoreOriginalTags'],
]

/** Opsgenie's policy body as core's AlertPolicy (id, order and enabled come from the caller). */
function fromOpsgenie(b: PolicyBody, id: string, order: number, enabled: boolean): AlertPolicy {
  const p: AlertPolicy = {
    id,
    name: b.name.trim(),
    enabled,
    order,
    filter: (b.filter ?? { type: 'match-all' }) as Criteria,
    message: b.message,
  }
  if (b.timeRestrictions !== undefined && b.timeRestrictions !== null)
    p.timeRestriction = b.timeRestrictions as TimeRestriction
  if (b.timezone !== undefined) p.timezone = b.timezone
  for (const k of ['alias', 'description', 'entity', 'source'] as const) if (b[k] !== undefined) p[k] = b[k]
  if (b.priority !== undefined) p.priority = b.priority as Priority
  if (b.tags !== undefined) p.tags = b.tags
  if (b.actions !== undefined) p.actions = b.actions
  if (b.details !== undefined) p.details = b.details
  if (b.responders !== undefined) p.responders = b.responders as Recipient[]
  const ignore: IgnoreOriginal = {}
  for (const [k, field] of IGNORE) if (b[field] === true) ignore[k] = true
  if (Object.keys(ignore).length) p.ignoreOriginal = ignore
  if (b.continue) p.continue = true
  if (b.suppress) p.suppress = true
  if (b.autoCloseAfterMinutes !== undefined) p.autoCloseAfterMinutes = b.autoCloseAfterMinutes
  return p
}

/** Core's field names in Opsgenie's words. */
function opsgenieKeys(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {}
  for (const [k, m] of Object.entries(errors)) {
    let key = k.replace(/^timeRestriction\b/, 'timeRestrictions')
    const ignore = /^ignoreOriginal\.(\w+)/.exec(k)
    if (ignore?.[1]) key = `ignoreOriginal${ignore[1][0]?.toUpperCase()}${ignore[1].slice(1)}`
    addError(out, key, m)
  }
  return out
}

function view(row: AlertPoliciesTable): PolicyView {
  const p = policyFromRow(row)
  const v: PolicyView = {
    id: p.id,
    type: 'alert',
    name: p.name,
    policyDescription: row.description,
    enabled: p.enabled,
    order: p.order,
    teamId: row.team_id,
    filter: p.filter,
  }
  if (p.timeRestriction) v.timeRestrictions = p.timeRestriction
  if (p.timezone !== undefined) v.timezone = p.timezone
  for (const k of ['message', 'alias', 'description', 'entity', 'source', 'priority'] as const)
    if (p[k] !== undefined) v[k] = p[k]
  for (const k of ['tags', 'actions', 'details', 'responders'] as const) if (p[k] !== undefined) v[k] = p[k]
  v.continue = p.continue === true
  for (const [k, field] of IGNORE) (v as Record<string, unknown>)[field] = p.ignoreOriginal?.[k] === true
  v.ignoreOriginalTeams = false
  if (p.suppress) v.suppress = true
  if (p.autoCloseAfterMinutes !== undefined) v.autoCloseAfterMinutes = p.autoCloseAfterMinutes
  return v
}

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
