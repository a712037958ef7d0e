import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { addError, type FieldErrors } from '../../../core/criteria/errors'
import { newId } from '../../../core/ids/ids'
import type { MaintenanceWindow } from '../../../core/model/routing'
import { parseInstant } from '../../../core/routing/maintenance'
import { validateMaintenanceWindow } from '../../../core/routing/validate'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden } from '../../auth/authorize'
import { isAccountAdmin, type Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import { canReadTeam, requireConfigChange, requireConfigRead } from '../../escalations/access'
import {
  isoOf,
  MAINTENANCE_TIME_TYPES,
  type MaintenanceRule,
  type MaintenanceStatus,
  type MaintenanceTimeType,
  scopeOf,
  statusOf,
} from '../../maintenance/windows'
import type { Database, MaintenanceWindowsTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'
import { defaultOwnerTeam, resolveOwnerTeam } from './owner-team'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['maintenance']

const Ref = Type.String({ minLength: 1, maxLength: 200 })
const Time = Type.Object(
  {
    type: Type.Union(MAINTENANCE_TIME_TYPES.map((t) => Type.Literal(t))),
    startDate: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    endDate: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
)
const Rule = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
    entity: Type.Object(
      {
        id: Ref,
        type: Type.Union([Type.Literal('integration'), Type.Literal('policy'), Type.Literal('team')]),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
const MaintenanceBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    time: Time,
    rules: Type.Optional(Type.Array(Rule, { maxItems: 300 })),
    // Vigil extension: the team that owns the window (default: the key's team; global for account admins).
    ownerTeam: Type.Optional(
      Type.Object(
        { id: Type.Optional(Ref), name: Type.Optional(Ref) },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
  },
  { additionalProperties: false },
)
type MaintenanceBody = Static<typeof MaintenanceBody>
const ListQuery = Type.Object({
  type: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('past'), Type.Literal('non-expired')])),
})
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
type Identified = { Params: Static<typeof IdParams> }

const DURATIONS: Partial<Record<MaintenanceTimeType, number>> = {
  'for-5-minutes': 5 * 60_000,
  'for-30-minutes': 30 * 60_000,
  'for-1-hour': 60 * 60_000,
}

/** A maintenance window as Opsgenie shows it, plus Vigil's ownerTeam. */
interface MaintenanceView {
  id: string
  status: MaintenanceStatus
  description: string
  time: { type: string; startDate: string; endDate?: string }
  rules: MaintenanceRule[]
  ownerTeam?: { id: string; name: string }
}

const invalid = (errors: FieldErrors) => new ApiError(422, UNPROCESSABLE, errors)
const notFound = (id: string) => new ApiError(404, `Maintenance with id [${id}] does not exist`)
const entityOf = (r: { id: string; description: string }) => ({
  type: 'maintenance',
  id: r.id,
  name: r.description || r.id,
})

/** Core's field names in Opsgenie's words. */
function opsgenieKeys(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {}
  const rename: Record<string, string> = { start: 'time.startDate', end: 'time.endDate', scope: 'rules' }
  for (const [k, m] of Object.entries(errors)) {
    const head = k.split(/[.[]/)[0] ?? k
    addError(out, rename[head] ?? k, m)
  }
  return out
}

/** Opsgenie's maintenance API (/v1/maintenance); see notes/opsgenie-api.md §7. */
export function maintenanceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  const mayRead = (p: Principal, teamId: string | null) =>
    teamId === null ? isAccountAdmin(p) : canReadTeam(p, teamId)

  function requireChange(p: Principal, teamId: string | null, access: 'write' | 'delete'): void {
    if (teamId !== null) requireConfigChange(p, teamId, access)
    else if (!isAccountAdmin(p))
      throw forbidden('Only owners and admins may change global maintenance windows')
  }

  async function view(q: Kysely<Database>, row: MaintenanceWindowsTable): Promise<MaintenanceView> {
    const v: MaintenanceView = {
      id: row.id,
      status: statusOf(row, ctx.clock.now()),
      description: row.description,
      time: { type: row.time_type, startDate: isoOf(row.start_at) },
      rules: JSON.parse(row.rules) as MaintenanceRule[],
    }
    if (row.end_at !== null) v.time.endDate = isoOf(row.end_at)
    if (row.team_id !== null) {
      const team = await q
        .selectFrom('teams')
        .select(['id', 'name'])
        .where('id', '=', row.team_id)
        .executeTakeFirst()
      if (team) v.ownerTeam = team
    }
    return v
  }

  async function rowOf(q: Kysely<Database>, p: Principal, id: string): Promise<MaintenanceWindowsTable> {
    const row = await q.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row || !mayRead(p, row.team_id)) throw notFound(id)
    return row
  }

  /** Start and end from the time type, checked by core's validator; the rules' entities must exist. */
  async function resolve(
    p: Principal,
    b: MaintenanceBody,
    teamId: string | null,
    id: string,
    now: number,
  ): Promise<{ start: number; end: number | null; rules: MaintenanceRule[] }> {
    const errors: FieldErrors = {}
    const rules: MaintenanceRule[] = (b.rules ?? []).map((r) => ({
      state: r.state ?? 'enabled',
      entity: { id: r.entity.id, type: r.entity.type },
    }))
    const t = b.time
    const duration = DURATIONS[t.type]
    let start = isoOf(now)
    let end: string | undefined
    if (duration !== undefined) end = isoOf(now + duration)
    else if (t.type === 'indefinitely') {
      if (t.startDate !== undefined) start = t.startDate
    } else {
      if (t.startDate === undefined)
        addError(errors, 'time.startDate', 'is required for a scheduled maintenance')
      if (t.endDate === undefined) addError(errors, 'time.endDate', 'is required for a scheduled maintenance')
      start = t.startDate ?? start
      end = t.endDate
    }
    const w: MaintenanceWindow = { id, start, scope: scopeOf(rules) }
    if (end !== undefined) w.end = end
    if (b.description) w.description = b.description
    for (const [k, m] of Object.entries(opsgenieKeys(validateMaintenanceWindow(w)))) addError(errors, k, m)
    for (const [i, r] of rules.entries()) {
      const at = `rules[${i}].entity.id`
      const owner = await entityTeam(r.entity)
      if (
        owner === undefined ||
        (owner !== null && !canReadTeam(p, owner)) ||
        (owner === null && !isAccountAdmin(p))
      ) {
        addError(errors, at, `${r.entity.type} ${r.entity.id} does not exist`)
      } else if (teamId !== null && owner !== teamId) {
        addError(errors, at, `${r.entity.type} ${r.entity.id} belongs to another team than the maintenance`)
      }
    }
    if (Object.keys(errors).length) throw invalid(errors)
    return { start: parseInstant(w.start), end: w.end === undefined ? null : parseInstant(w.end), rules }
  }

  /** The team an entity belongs to (null = global policy), or undefined when it does not exist. */
  async function entityTeam(e: MaintenanceRule['entity']): Promise<string | null | undefined> {
    if (e.type === 'team') {
      const team = await db().selectFrom('teams').select('id').where('id', '=', e.id).executeTakeFirst()
      return team?.id
    }
    const table = e.type === 'integration' ? 'integrations' : 'alert_policies'
    const row = await db().selectFrom(table).select('team_id').where('id', '=', e.id).executeTakeFirst()
    return row === undefined ? undefined : row.team_id
  }

  async function ownerOf(p: Principal, b: MaintenanceBody): Promise<string | null> {
    if (b.ownerTeam) return resolveOwnerTeam(db(), b.ownerTeam)
    if (isAccountAdmin(p)) return null
    return defaultOwnerTeam(db(), p)
  }

  const origin = (req: FastifyRequest) => originOf(req, ctx.clock)

  app.post<{ Body: MaintenanceBody }>(
    '/v1/maintenance',
    { schema: { tags, summary: 'Create a maintenance window', body: MaintenanceBody, security } },
    async (req, reply) => {
      const p = req.principal
      const teamId = await ownerOf(p, req.body)
      requireChange(p, teamId, 'write')
      const now = ctx.clock.now()
      const id = newId(now)
      const r = await resolve(p, req.body, teamId, id, now)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const row: MaintenanceWindowsTable = {
            id,
            team_id: teamId,
            description: req.body.description ?? '',
            time_type: req.body.time.type,
            start_at: r.start,
            end_at: r.end,
            rules: JSON.stringify(r.rules),
            cancelled_at: null,
            created_at: now,
            updated_at: now,
          }
          await trx.insertInto('maintenance_windows').values(row).execute()
          const after = await view(trx, row)
          await recordAudit(trx, { ...origin(req), action: 'create', entity: entityOf(row), after })
          return after
        })
      return ok(req, reply, 201, { result: 'Created', data })
    },
  )

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/maintenance',
    { schema: { tags, summary: 'List maintenance windows', querystring: ListQuery, security } },
    async (req, reply) => {
      const p = req.principal
      requireConfigRead(p)
      const type = req.query.type ?? 'all'
      const rows = await db()
        .selectFrom('maintenance_windows')
        .selectAll()
        .orderBy('start_at')
        .orderBy('id')
        .execute()
      const now = ctx.clock.now()
      const data: MaintenanceView[] = []
      for (const row of rows) {
        if (!mayRead(p, row.team_id)) continue
        const status = statusOf(row, now)
        const expired = status === 'past' || status === 'cancelled'
        if ((type === 'past' && !expired) || (type === 'non-expired' && expired)) continue
        data.push(await view(db(), row))
      }
      return ok(req, reply, 200, { data })
    },
  )

  app.get<Identified>(
    '/v1/maintenance/:id',
    { schema: { tags, summary: 'Get a maintenance window', params: IdParams, security } },
    async (req, reply) => {
      requireConfigRead(req.principal)
      return ok(req, reply, 200, { data: await view(db(), await rowOf(db(), req.principal, req.params.id)) })
    },
  )

  app.put<Identified & { Body: MaintenanceBody }>(
    '/v1/maintenance/:id',
    {
      schema: {
        tags,
        summary: 'Update a maintenance window',
        params: IdParams,
        body: MaintenanceBody,
        security,
      },
    },
    async (req, reply) => {
      const p = req.principal
      requireConfigRead(p)
      const current = await rowOf(db(), p, req.params.id)
      requireChange(p, current.team_id, 'write')
      const status = statusOf(current, ctx.clock.now())
      if (status === 'past' || status === 'cancelled') {
        throw new ApiError(409, `A ${status} maintenance cannot be changed`)
      }
      if (req.body.ownerTeam && (await resolveOwnerTeam(db(), req.body.ownerTeam)) !== current.team_id) {
        throw invalid({ ownerTeam: 'cannot be changed; create a new maintenance instead' })
      }
      const now = ctx.clock.now()
      const r = await resolve(p, req.body, current.team_id, current.id, now)
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const row = await rowOf(trx, p, current.id)
          const before = await view(trx, row)
          const next: MaintenanceWindowsTable = {
            ...row,
            description: req.body.description ?? '',
            time_type: req.body.time.type,
            start_at: r.start,
            end_at: r.end,
            rules: JSON.stringify(r.rules),
            updated_at: now,
          }
          await trx
            .updateTable('maintenance_windows')
            .set({
              description: next.description,
              time_type: next.time_type,
              start_at: next.start_at,
              end_at: next.end_at,
              rules: next.rules,
              updated_at: now,
            })
            .where('id', '=', row.id)
            .execute()
          const after = await view(trx, next)
          await recordAudit(trx, { ...origin(req), action: 'update', entity: entityOf(next), before, after })
          return after
        })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<Identified>(
    '/v1/maintenance/:id',
    { schema: { tags, summary: 'Delete a maintenance window', params: IdParams, security } },
    async (req, reply) => {
      const p = req.principal
      requireConfigRead(p)
      const current = await rowOf(db(), p, req.params.id)
      requireChange(p, current.team_id, 'delete')
      await db()
        .transaction()
        .execute(async (trx) => {
          const row = await rowOf(trx, p, current.id)
          const before = await view(trx, row)
          await trx.deleteFrom('maintenance_windows').where('id', '=', row.id).execute()
          await recordAudit(trx, { ...origin(req), action: 'delete', entity: entityOf(row), before })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.post<Identified>(
    '/v1/maintenance/:id/cancel',
    { schema: { tags, summary: 'Cancel a maintenance window', params: IdParams, security } },
    async (req, reply) => {
      const p = req.principal
      requireConfigRead(p)
      const current = await rowOf(db(), p, req.params.id)
      requireChange(p, current.team_id, 'write')
      const now = ctx.clock.now()
      const data = await db()
        .transaction()
        .execute(async (trx) => {
          const row = await rowOf(trx, p, current.id)
          const status = statusOf(row, now)
          if (status !== 'planned' && status !== 'active') {
            throw new ApiError(
              409,
              `Only planned or active maintenance can be cancelled; this one is ${status}`,
            )
          }
          const before = await view(trx, row)
          await trx
            .updateTable('maintenance_windows')
            .set({ cancelled_at: now, updated_at: now })
            .where('id', '=', row.id)
            .execute()
          const after = await view(trx, { ...row, cancelled_at: now, updated_at: now })
          await recordAudit(trx, { ...origin(req), action: 'cancel', entity: entityOf(row), before, after })
          return after
        })
      return ok(req, reply, 200, { result: 'Cancelled', data })
    },
  )
}
