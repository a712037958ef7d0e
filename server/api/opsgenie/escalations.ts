import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { FieldErrors } from '../../../core/criteria/errors'
import { validateEscalationPolicy } from '../../../core/escalation/validate'
import { newId } from '../../../core/ids/ids'
import {
  ESCALATION_CONDITIONS,
  ESCALATION_LIMITS,
  type EscalationPolicy,
} from '../../../core/model/escalation'
import { originOf, recordAudit } from '../../audit/record'
import type { AppContext } from '../../context'
import { canReadTeam, readableTeams, requireConfigChange, requireConfigRead } from '../../escalations/access'
import {
  escalationView,
  type OpsgenieEscalation,
  opsgenieErrorKeys,
  repeatFromOpsgenie,
  rulesFromOpsgenie,
} from '../../escalations/convert'
import type { Database, EscalationPoliciesTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'
import { defaultOwnerTeam, resolveOwnerTeam } from './owner-team'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['escalations']

const Ref = Type.String({ minLength: 1, maxLength: 200 })
const TeamRef = Type.Object(
  { id: Type.Optional(Ref), name: Type.Optional(Ref) },
  { additionalProperties: false, minProperties: 1 },
)
const Rule = Type.Object(
  {
    condition: Type.Optional(Type.Union(ESCALATION_CONDITIONS.map((c) => Type.Literal(c)))),
    notifyType: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
    delay: Type.Optional(
      Type.Object(
        {
          timeAmount: Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.delayMinutes }),
          timeUnit: Type.Optional(
            Type.Union([Type.Literal('minutes'), Type.Literal('hours'), Type.Literal('days')]),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    recipient: Type.Object(
      {
        type: Type.Union([Type.Literal('user'), Type.Literal('team'), Type.Literal('schedule')]),
        id: Type.Optional(Ref),
        name: Type.Optional(Ref),
        username: Type.Optional(Ref),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
const Repeat = Type.Object(
  {
    waitInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.delayMinutes })),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: ESCALATION_LIMITS.repeats })),
    resetRecipientStates: Type.Optional(Type.Boolean()),
    closeAlertAfterAll: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
const Rules = Type.Array(Rule, { minItems: 1, maxItems: ESCALATION_LIMITS.rules })

const EscalationCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    ownerTeam: Type.Optional(TeamRef),
    rules: Rules,
    repeat: Type.Optional(Repeat),
  },
  { additionalProperties: false },
)
type EscalationCreate = Static<typeof EscalationCreate>
const EscalationPatch = Type.Partial(EscalationCreate, { additionalProperties: false })
type EscalationPatch = Static<typeof EscalationPatch>

const IdParams = Type.Object({ identifier: Type.String({ minLength: 1 }) })
const IdQuery = Type.Object({
  identifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('name')])),
})
type Identified = { Params: { identifier: string }; Querystring: Static<typeof IdQuery> }

type Row = EscalationPoliciesTable & { team_name: string }

const notFound = (identifier: string) =>
  new ApiError(404, `Escalation with identifier [${identifier}] does not exist`)
const conflict = (name: string) => new ApiError(409, `Escalation with name [${name}] already exists`)
const invalid = (errors: FieldErrors) => new ApiError(422, UNPROCESSABLE, errors)

const entity = (row: { id: string; name: string }) => ({ type: 'escalation', id: row.id, name: row.name })

/** Opsgenie's /v2/escalations: CRUD of team-owned escalation policies, stored in the internal model. */
export function escalationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const select = (q: Kysely<Database> = db()) =>
    q
      .selectFrom('escalation_policies')
      .innerJoin('teams', 'teams.id', 'escalation_policies.team_id')
      .selectAll('escalation_policies')
      .select('teams.name as team_name')

  async function find(q: Kysely<Database>, req: FastifyRequest<Identified>): Promise<Row | undefined> {
    const byName = req.query.identifierType === 'name'
    return select(q)
      .where(byName ? 'escalation_policies.name' : 'escalation_policies.id', '=', req.params.identifier)
      .executeTakeFirst()
  }

  /** The policy the principal may see, or 404 (another team's is as good as absent). */
  async function visible(req: FastifyRequest<Identified>): Promise<Row> {
    requireConfigRead(req.principal)
    const row = await find(db(), req)
    if (!row || !canReadTeam(req.principal, row.team_id)) throw notFound(req.params.identifier)
    return row
  }

  /** Builds and validates the internal policy; 422 with Opsgenie field names on any problem. */
  async function policyOf(
    id: string,
    teamId: string,
    b: {
      name: string
      description?: string
      rules: EscalationCreate['rules']
      repeat?: EscalationCreate['repeat']
    },
    storedRules?: EscalationPolicy['rules'],
  ): Promise<EscalationPolicy> {
    const errors: FieldErrors = {}
    if (b.name.trim() === '') errors.name = 'must not be blank'
    const rules = storedRules ?? (await rulesFromOpsgenie(db(), b.rules, errors))
    const policy: EscalationPolicy = { id, name: b.name.trim(), ownerTeamId: teamId, rules }
    if (b.description !== undefined) policy.description = b.description
    if (b.repeat !== undefined) policy.repeat = repeatFromOpsgenie(b.repeat)
    for (const [k, m] of Object.entries(opsgenieErrorKeys(validateEscalationPolicy(policy)))) errors[k] ??= m
    if (Object.keys(errors).length) throw invalid(errors)
    return policy
  }

  const rowOf = (policy: EscalationPolicy, now: number, createdAt = now): EscalationPoliciesTable => ({
    id: policy.id,
    name: policy.name,
    team_id: policy.ownerTeamId,
    description: policy.description ?? '',
    rules: JSON.stringify(policy.rules),
    repeat: policy.repeat ? JSON.stringify(policy.repeat) : null,
    created_at: createdAt,
    updated_at: now,
  })

  async function viewById(q: Kysely<Database>, id: string): Promise<OpsgenieEscalation> {
    const row = await select(q).where('escalation_policies.id', '=', id).executeTakeFirst()
    if (!row) throw notFound(id)
    return escalationView(q, row)
  }

  app.get(
    '/v2/escalations',
    { schema: { tags, summary: 'List escalation policies', security } },
    async (req, reply) => {
      requireConfigRead(req.principal)
      const teams = readableTeams(req.principal)
      if (teams?.length === 0) return ok(req, reply, 200, { data: [] })
      const rows = await select()
        .$if(teams !== undefined, (q) => q.where('escalation_policies.team_id', 'in', teams as string[]))
        .orderBy('escalation_policies.name')
        .execute()
      const data = await Promise.all(rows.map((r) => escalationView(db(), r)))
      return ok(req, reply, 200, { data })
    },
  )

  app.post<{ Body: EscalationCreate }>(
    '/v2/escalations',
    { schema: { tags, summary: 'Create an escalation policy', body: EscalationCreate, security } },
    async (req, reply) => {
      const p = req.principal
      if (p.kind === 'key') requireConfigChange(p, p.teamId, 'write')
      const teamId = req.body.ownerTeam
        ? await resolveOwnerTeam(db(), req.body.ownerTeam)
        : await defaultOwnerTeam(db(), p)
      requireConfigChange(p, teamId, 'write')
      const now = ctx.clock.now()
      const policy = await policyOf(newId(now), teamId, req.body)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const inserted = await trx
            .insertInto('escalation_policies')
            .values(rowOf(policy, now))
            .onConflict((oc) => oc.column('name').doNothing())
            .returning('id')
            .executeTakeFirst()
          if (!inserted) throw conflict(policy.name)
          const after = await viewById(trx, policy.id)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'create',
            entity: entity(policy),
            after,
          })
          return after
        })
      return ok(req, reply, 201, { result: 'Created', data })
    },
  )

  const one = { params: IdParams, querystring: IdQuery, security, tags }

  app.get<Identified>(
    '/v2/escalations/:identifier',
    { schema: { ...one, summary: 'Get an escalation policy' } },
    async (req, reply) => {
      const row = await visible(req)
      return ok(req, reply, 200, { data: await escalationView(db(), row) })
    },
  )

  app.patch<Identified & { Body: EscalationPatch }>(
    '/v2/escalations/:identifier',
    { schema: { ...one, summary: 'Update an escalation policy', body: EscalationPatch } },
    async (req, reply) => {
      const p = req.principal
      const current = await visible(req)
      requireConfigChange(p, current.team_id, 'write')
      const b = req.body
      const teamId = b.ownerTeam ? await resolveOwnerTeam(db(), b.ownerTeam) : current.team_id
      if (teamId !== current.team_id) requireConfigChange(p, teamId, 'write')
      const stored = JSON.parse(current.rules) as EscalationPolicy['rules']
      const repeat =
        b.repeat ??
        (current.repeat === null
          ? undefined
          : (() => {
              const r = JSON.parse(current.repeat) as NonNullable<EscalationPolicy['repeat']>
              return { ...r, waitInterval: r.waitIntervalMinutes }
            })())
      const policy = await policyOf(
        current.id,
        teamId,
        {
          name: b.name ?? current.name,
          description: b.description ?? current.description,
          rules: b.rules ?? [],
          repeat,
        },
        b.rules === undefined ? stored : undefined,
      )
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const before = await viewById(trx, current.id)
          if (policy.name !== current.name) {
            const clash = await trx
              .selectFrom('escalation_policies')
              .select('id')
              .where('name', '=', policy.name)
              .where('id', '<>', current.id)
              .executeTakeFirst()
            if (clash) throw conflict(policy.name)
          }
          const { id: _id, created_at: _c, ...set } = rowOf(policy, now)
          await trx.updateTable('escalation_policies').set(set).where('id', '=', current.id).execute()
          const after = await viewById(trx, current.id)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'update',
            entity: entity(policy),
            before,
            after,
          })
          return after
        })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<Identified>(
    '/v2/escalations/:identifier',
    { schema: { ...one, summary: 'Delete an escalation policy' } },
    async (req, reply) => {
      const current = await visible(req)
      requireConfigChange(req.principal, current.team_id, 'delete')
      await db()
        .transaction()
        .execute(async (trx) => {
          const before = await viewById(trx, current.id)
          // A routing rule sending alerts here would route them nowhere once it is gone.
          const user = await trx
            .selectFrom('routing_rules')
            .select('name')
            .where('notify', 'like', `%"id":"${current.id.replace(/[\\%_"]/g, '')}"%`)
            .executeTakeFirst()
          if (user) {
            throw new ApiError(
              409,
              `Escalation [${current.name}] is used by routing rule [${user.name}]; change that rule first`,
            )
          }
          const res = await trx
            .deleteFrom('escalation_policies')
            .where('id', '=', current.id)
            .executeTakeFirst()
          if (Number(res.numDeletedRows) === 0) throw notFound(req.params.identifier)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'delete',
            entity: entity(current),
            before,
          })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )
}
