import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely, Updateable } from 'kysely'
import { normalizeTags } from '../../../core/alerts/normalize'
import { newId } from '../../../core/ids/ids'
import {
  defaultAlertMessage,
  type Heartbeat,
  HeartbeatCreate,
  HeartbeatPatch,
  type IntervalUnit,
} from '../../../core/model/heartbeat'
import { type AuditEntity, type AuditOrigin, originOf, recordAudit } from '../../audit/record'
import { forbidden, requireTeamManager } from '../../auth/authorize'
import { type Principal, principalName } from '../../auth/principal'
import type { AppContext } from '../../context'
import { expiresAt, type HeartbeatRow, lockHeartbeat, pingHeartbeat } from '../../engine/heartbeats'
import { scopeOf } from '../../ingest/alert-service'
import type { Database, HeartbeatsTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { UNPROCESSABLE } from './access'
import { defaultOwnerTeam, resolveOwnerTeam } from './owner-team'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['heartbeats']
const NameParams = Type.Object({ name: Type.String({ minLength: 1 }) })
type Named = { Params: { name: string } }

type ViewRow = HeartbeatRow & { team_name: string }

const notFound = (name: string) => new ApiError(404, `Heartbeat with name [${name}] does not exist`)
const invalid = (field: string, message: string) => new ApiError(422, UNPROCESSABLE, { [field]: message })

/** The heartbeat as Opsgenie shows it, plus Vigil's autoClose. */
function view(row: ViewRow): Heartbeat {
  const hb: Heartbeat = {
    name: row.name,
    description: row.description,
    interval: row.interval,
    intervalUnit: row.interval_unit,
    enabled: row.enabled === 1,
    expired: row.expired === 1,
    ownerTeam: { id: row.team_id, name: row.team_name },
    alertMessage: row.alert_message,
    alertTags: JSON.parse(row.alert_tags) as string[],
    alertPriority: row.alert_priority as Heartbeat['alertPriority'],
    autoClose: row.auto_close === 1,
  }
  if (row.last_ping_at !== null) hb.lastPingTime = new Date(row.last_ping_at).toISOString()
  return hb
}

/** How the audit log names a heartbeat. */
function heartbeatEntity(row: { id: string; name: string }): AuditEntity {
  return { type: 'heartbeat', id: row.id, name: row.name }
}

/** The heartbeat as the API shows it, read inside a transaction (the audit log's before/after). */
async function viewIn(q: Kysely<Database>, id: string): Promise<Heartbeat | undefined> {
  const row = await q
    .selectFrom('heartbeats')
    .innerJoin('teams', 'teams.id', 'heartbeats.team_id')
    .selectAll('heartbeats')
    .select('teams.name as team_name')
    .where('heartbeats.id', '=', id)
    .executeTakeFirst()
  return row ? view(row) : undefined
}

/** Is the team in the principal's reach? Keys their own team; owners and admins all; others their teams. */
function canSee(p: Principal, teamId: string): boolean {
  const scope = scopeOf(p)
  return scope.all || scope.teamIds.includes(teamId)
}

/** Reading heartbeats needs a key's read flag (pinging does not). */
function requireRead(p: Principal): void {
  if (p.kind === 'key' && !p.access.read) throw forbidden('Key does not have read access')
}

/** Cleans alert tags (trim, drop blanks and repeats); the schema already enforced the limits. */
function cleanTags(list: string[]): string[] {
  const t = normalizeTags(list, 'alertTags')
  if (!t.ok) throw new ApiError(422, UNPROCESSABLE, t.errors)
  return t.value
}

/** Heartbeat routes: Opsgenie's /v2/heartbeats (CRUD, enable/disable, ping), backed by durable state. */
export function heartbeatRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const select = () =>
    db()
      .selectFrom('heartbeats')
      .innerJoin('teams', 'teams.id', 'heartbeats.team_id')
      .selectAll('heartbeats')
      .select('teams.name as team_name')

  /** The heartbeat the principal may see, or 404 (another team's heartbeat is as good as absent). */
  async function visible(p: Principal, name: string): Promise<ViewRow> {
    requireRead(p)
    const row = await select().where('heartbeats.name', '=', name).executeTakeFirst()
    if (!row || !canSee(p, row.team_id)) throw notFound(name)
    return row
  }

  async function reread(name: string): Promise<Heartbeat> {
    const row = await select().where('heartbeats.name', '=', name).executeTakeFirst()
    if (!row) throw notFound(name)
    return view(row)
  }

  /**
   * Runs a change on a locked heartbeat in the writer's transaction and answers 200 with it. `change`
   * returns the columns to set; returning null leaves the row as it is.
   */
  async function mutate(
    name: string,
    origin: AuditOrigin,
    action: string,
    change: (row: HeartbeatRow, now: number) => Updateable<HeartbeatsTable> | null,
  ): Promise<Heartbeat> {
    const found = await ctx.writer.submit(async (trx) => {
      const row = await lockHeartbeat(trx, ctx.store.dialect, name)
      if (!row) return false
      const now = ctx.clock.now()
      const set = change(row, now)
      if (set) {
        const before = await viewIn(trx, row.id)
        await trx
          .updateTable('heartbeats')
          .set({ ...set, updated_at: now })
          .where('id', '=', row.id)
          .execute()
        // In the same transaction as the change, like every other configuration route.
        await recordAudit(trx, {
          ...origin,
          action,
          entity: heartbeatEntity(row),
          before,
          after: await viewIn(trx, row.id),
        })
      }
      return true
    })
    if (!found) throw notFound(name)
    return reread(name)
  }

  app.route<Named>({
    method: ['GET', 'POST', 'PUT', 'PATCH'],
    url: '/v2/heartbeats/:name/ping',
    schema: { tags, summary: 'Ping a heartbeat', params: NameParams, security },
    handler: async (req, reply) => {
      const p = req.principal
      if (p.kind === 'user' && p.role === 'observer') throw forbidden('Observers may not ping heartbeats')
      // Any enabled key may ping its own team's heartbeats (no access flag needed, as a monitoring job's
      // key usually has none). An unknown name, or another team's, records nothing but still answers PONG,
      // as Opsgenie does: the answer says nothing about existence.
      await pingHeartbeat(ctx, ctx.clock, req.params.name, (teamId) => canSee(p, teamId), principalName(p))
      return ok(req, reply, 202, { result: 'PONG - Heartbeat received' })
    },
  })

  app.get(
    '/v2/heartbeats',
    { schema: { tags, summary: 'List heartbeats', security } },
    async (req, reply) => {
      const p = req.principal
      requireRead(p)
      const scope = scopeOf(p)
      const teamIds = scope.all ? undefined : scope.teamIds
      if (teamIds?.length === 0) return ok(req, reply, 200, { data: { heartbeats: [] } })
      const rows = await select()
        .$if(teamIds !== undefined, (q) => q.where('heartbeats.team_id', 'in', teamIds as string[]))
        .orderBy('heartbeats.name')
        .execute()
      return ok(req, reply, 200, { data: { heartbeats: rows.map(view) } })
    },
  )

  app.post<{ Body: HeartbeatCreate }>(
    '/v2/heartbeats',
    { schema: { tags, summary: 'Create a heartbeat', body: HeartbeatCreate, security } },
    async (req, reply) => {
      const p = req.principal
      const b = req.body
      if (b.name.trim() === '') throw invalid('name', 'must not be blank')
      if (p.kind === 'key') requireTeamManager(p, p.teamId, 'write')
      const teamId = b.ownerTeam ? await resolveOwnerTeam(db(), b.ownerTeam) : await defaultOwnerTeam(db(), p)
      requireTeamManager(p, teamId, 'write')
      const now = ctx.clock.now()
      const row: HeartbeatsTable = {
        id: newId(now),
        name: b.name,
        team_id: teamId,
        description: b.description ?? '',
        interval: b.interval,
        interval_unit: b.intervalUnit,
        enabled: b.enabled ? 1 : 0,
        expired: 0,
        auto_close: b.autoClose === false ? 0 : 1,
        last_ping_at: null,
        interval_start: now,
        expires_at: null,
        alert_message: b.alertMessage?.trim() || defaultAlertMessage(b.name),
        alert_tags: JSON.stringify(cleanTags(b.alertTags ?? [])),
        alert_priority: b.alertPriority ?? 'P3',
        created_at: now,
        updated_at: now,
      }
      if (b.enabled) row.expires_at = expiresAt(row)
      // ON CONFLICT DO NOTHING: a duplicate is an answer (409), not an error that would fail the batch.
      const origin = originOf(req, ctx.clock)
      const inserted = await ctx.writer.submit(async (trx) => {
        const done = await trx
          .insertInto('heartbeats')
          .values(row)
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('id')
          .executeTakeFirst()
        if (done)
          await recordAudit(trx, {
            ...origin,
            action: 'create',
            entity: heartbeatEntity(row),
            after: await viewIn(trx, row.id),
          })
        return done
      })
      if (!inserted) throw new ApiError(409, `Heartbeat with name [${b.name}] already exists`)
      return ok(req, reply, 201, { result: 'Created', data: await reread(b.name) })
    },
  )

  app.get<Named>(
    '/v2/heartbeats/:name',
    { schema: { tags, summary: 'Get a heartbeat', params: NameParams, security } },
    async (req, reply) => {
      const row = await visible(req.principal, req.params.name)
      return ok(req, reply, 200, { data: view(row) })
    },
  )

  app.patch<Named & { Body: HeartbeatPatch }>(
    '/v2/heartbeats/:name',
    { schema: { tags, summary: 'Update a heartbeat', params: NameParams, body: HeartbeatPatch, security } },
    async (req, reply) => {
      const p = req.principal
      const b = req.body
      const current = await visible(p, req.params.name)
      requireTeamManager(p, current.team_id, 'write')
      const teamId = b.ownerTeam ? await resolveOwnerTeam(db(), b.ownerTeam) : undefined
      if (teamId !== undefined) requireTeamManager(p, teamId, 'write')
      const alertTags = b.alertTags === undefined ? undefined : JSON.stringify(cleanTags(b.alertTags))
      const data = await mutate(req.params.name, originOf(req, ctx.clock), 'update', (row, now) => {
        const set: Updateable<HeartbeatsTable> = {}
        if (teamId !== undefined) set.team_id = teamId
        if (b.description !== undefined) set.description = b.description
        if (b.alertMessage !== undefined)
          set.alert_message = b.alertMessage.trim() || defaultAlertMessage(row.name)
        if (alertTags !== undefined) set.alert_tags = alertTags
        if (b.alertPriority !== undefined) set.alert_priority = b.alertPriority
        if (b.autoClose !== undefined) set.auto_close = b.autoClose ? 1 : 0
        const next = {
          interval: b.interval ?? row.interval,
          interval_unit: (b.intervalUnit ?? row.interval_unit) as IntervalUnit,
          interval_start: row.interval_start,
        }
        set.interval = next.interval
        set.interval_unit = next.interval_unit
        if (b.enabled === false && row.enabled === 1) Object.assign(set, disabled())
        else if (b.enabled === true && row.enabled === 0) Object.assign(set, enabled(next, now))
        // A running interval keeps its start: a new length moves only its end (possibly into the past).
        else if (row.enabled === 1 && row.expired === 0) set.expires_at = expiresAt(next)
        return set
      })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<Named>(
    '/v2/heartbeats/:name',
    { schema: { tags, summary: 'Delete a heartbeat', params: NameParams, security } },
    async (req, reply) => {
      const p = req.principal
      const current = await visible(p, req.params.name)
      requireTeamManager(p, current.team_id, 'delete')
      // An open expiry alert stays: it is history, closed by people like any other alert.
      const origin = originOf(req, ctx.clock)
      const res = await ctx.writer.submit(async (trx) => {
        const before = await viewIn(trx, current.id)
        const done = await trx.deleteFrom('heartbeats').where('id', '=', current.id).executeTakeFirst()
        if (Number(done.numDeletedRows) > 0)
          await recordAudit(trx, { ...origin, action: 'delete', entity: heartbeatEntity(current), before })
        return done
      })
      if (Number(res.numDeletedRows) === 0) throw notFound(req.params.name)
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    app.post<Named>(
      `/v2/heartbeats/:name/${action}`,
      {
        schema: {
          tags,
          summary: `${action === 'enable' ? 'Enable' : 'Disable'} a heartbeat`,
          params: NameParams,
          security,
        },
      },
      async (req, reply) => {
        const p = req.principal
        const current = await visible(p, req.params.name)
        requireTeamManager(p, current.team_id, 'write')
        // Idempotent: enabling a running heartbeat does not restart its interval (that is what a ping does).
        const data = await mutate(req.params.name, originOf(req, ctx.clock), action, (row, now) => {
          if (action === 'disable') return row.enabled === 1 ? disabled() : null
          return row.enabled === 0 ? enabled(row, now) : null
        })
        return ok(req, reply, 200, { result: action === 'enable' ? 'Enabled' : 'Disabled', data })
      },
    )
  }
}

/** A disabled heartbeat never expires and is not expired. */
function disabled(): Updateable<HeartbeatsTable> {
  return { enabled: 0, expired: 0, expires_at: null }
}

/** Enabling starts a fresh interval now. */
function enabled(
  row: Pick<HeartbeatRow, 'interval' | 'interval_unit'>,
  now: number,
): Updateable<HeartbeatsTable> {
  return {
    enabled: 1,
    expired: 0,
    interval_start: now,
    expires_at: expiresAt({ interval: row.interval, interval_unit: row.interval_unit, interval_start: now }),
  }
}
