import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { isValidScheduleZone, type Rotation, type Schedule } from '../../../core/model/schedule'
import { originOf, recordAudit } from '../../audit/record'
import { requireTeamManager } from '../../auth/authorize'
import type { AppContext } from '../../context'
import { identifierTypeOf, listVisibleSchedules, visibleSchedule } from '../../schedules/access'
import {
  checkSchedule,
  invalid,
  type RotationBody,
  rotationFromBody,
  ScheduleCreate,
  SchedulePatch,
  scheduleView,
} from '../../schedules/convert'
import { type LoadedSchedule, namesFor } from '../../schedules/store'
import { changeSchedule, pruneOverrides } from '../../schedules/write'
import type { Database } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import { defaultOwnerTeam, resolveOwnerTeam } from './owner-team'

export const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
export const tags = ['schedules']
const IdParams = Type.Object({ identifier: Type.String({ minLength: 1 }) })
type Ident = { Params: { identifier: string } }

/** Rotation bodies as core rotations with new ids. */
async function buildRotations(
  db: Kysely<Database>,
  bodies: RotationBody[],
  zone: string,
): Promise<Rotation[]> {
  const out: Rotation[] = []
  for (const [i, body] of bodies.entries()) {
    out.push(
      await rotationFromBody(db, body, {
        id: randomUUID(),
        zone,
        field: `rotations[${i}]`,
        defaultName: `Rotation-${i + 1}`,
      }),
    )
  }
  return out
}

/** Schedule routes: Opsgenie's /v2/schedules CRUD, on-calls, next-on-calls and timeline. */
export function scheduleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  async function view(loaded: LoadedSchedule) {
    return scheduleView(loaded, await namesFor(db(), [loaded.schedule]))
  }

  app.get('/v2/schedules', { schema: { tags, summary: 'List schedules', security } }, async (req, reply) => {
    const list = await listVisibleSchedules(db(), req.principal)
    const names = await namesFor(
      db(),
      list.map((l) => l.schedule),
    )
    return ok(req, reply, 200, { data: list.map((l) => scheduleView(l, names)), expandable: ['rotation'] })
  })

  app.post<{ Body: ScheduleCreate }>(
    '/v2/schedules',
    { schema: { tags, summary: 'Create a schedule', body: ScheduleCreate, security } },
    async (req, reply) => {
      const p = req.principal
      const b = req.body
      if (b.name.trim() === '') throw invalid('name', 'must not be blank')
      if (p.kind === 'key') requireTeamManager(p, p.teamId, 'write')
      const teamId = b.ownerTeam ? await resolveOwnerTeam(db(), b.ownerTeam) : await defaultOwnerTeam(db(), p)
      requireTeamManager(p, teamId, 'write')
      const zone = b.timezone ?? 'UTC'
      if (!isValidScheduleZone(zone)) throw invalid('timezone', `unknown time zone '${zone}'`)
      const schedule: Schedule = {
        id: randomUUID(),
        name: b.name,
        description: b.description ?? '',
        timezone: zone,
        enabled: b.enabled ?? true,
        ownerTeamId: teamId,
        rotations: await buildRotations(db(), b.rotations ?? [], zone),
        overrides: [],
      }
      checkSchedule(schedule)
      const now = ctx.clock.now()
      const inserted = await ctx.writer.submit(async (trx) => {
        const row = await trx
          .insertInto('schedules')
          .values({
            id: schedule.id,
            name: schedule.name,
            team_id: teamId,
            description: schedule.description,
            timezone: zone,
            enabled: schedule.enabled ? 1 : 0,
            rotations: JSON.stringify(schedule.rotations),
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('id')
          .executeTakeFirst()
        if (!row) return false
        await recordAudit(trx, {
          ...originOf(req, ctx.clock),
          action: 'create',
          entity: { type: 'schedule', id: schedule.id, name: schedule.name },
          after: schedule,
        })
        return true
      })
      if (!inserted) throw new ApiError(409, `Schedule with name [${b.name}] already exists`)
      const loaded = await visibleSchedule(db(), p, schedule.id, 'id')
      return ok(req, reply, 201, { result: 'Created', data: await view(loaded) })
    },
  )

  app.get<Ident>(
    '/v2/schedules/:identifier',
    { schema: { tags, summary: 'Get a schedule', params: IdParams, security } },
    async (req, reply) => {
      const { identifier } = req.params
      const loaded = await visibleSchedule(db(), req.principal, identifier, identifierTypeOf(req.query))
      return ok(req, reply, 200, { data: await view(loaded) })
    },
  )

  app.patch<Ident & { Body: SchedulePatch }>(
    '/v2/schedules/:identifier',
    { schema: { tags, summary: 'Update a schedule', params: IdParams, body: SchedulePatch, security } },
    async (req, reply) => {
      const p = req.principal
      const b = req.body
      const { identifier } = req.params
      if (b.name !== undefined && b.name.trim() === '') throw invalid('name', 'must not be blank')
      if (b.timezone !== undefined && !isValidScheduleZone(b.timezone))
        throw invalid('timezone', `unknown time zone '${b.timezone}'`)
      const teamId = b.ownerTeam ? await resolveOwnerTeam(db(), b.ownerTeam) : undefined
      if (teamId !== undefined) requireTeamManager(p, teamId, 'write')
      const id = await changeSchedule(
        ctx,
        req,
        identifier,
        identifierTypeOf(req.query),
        'write',
        async (c) => {
          const before = c.loaded.schedule
          let next: Schedule = {
            ...before,
            name: b.name ?? before.name,
            description: b.description ?? before.description,
            timezone: b.timezone ?? before.timezone,
            enabled: b.enabled ?? before.enabled,
            ownerTeamId: teamId ?? before.ownerTeamId,
          }
          if (b.rotations !== undefined) {
            next = await pruneOverrides(c.trx, next, new Set())
            next.rotations = await buildRotations(c.trx, b.rotations, next.timezone)
          }
          checkSchedule(next)
          if (next.name !== before.name) {
            const clash = await c.trx
              .selectFrom('schedules')
              .select('id')
              .where('name', '=', next.name)
              .where('id', '!=', before.id)
              .executeTakeFirst()
            if (clash) throw new ApiError(409, `Schedule with name [${next.name}] already exists`)
          }
          await c.trx
            .updateTable('schedules')
            .set({
              name: next.name,
              description: next.description,
              timezone: next.timezone,
              enabled: next.enabled ? 1 : 0,
              team_id: teamId ?? c.loaded.row.team_id,
              rotations: JSON.stringify(next.rotations),
              updated_at: c.origin.at,
            })
            .where('id', '=', before.id)
            .execute()
          await recordAudit(c.trx, {
            ...c.origin,
            action: 'update',
            entity: { type: 'schedule', id: before.id, name: next.name },
            before,
            after: next,
          })
          return before.id
        },
      )
      const loaded = await visibleSchedule(db(), p, id, 'id').catch(() => undefined)
      return ok(req, reply, 200, { result: 'Updated', data: loaded ? await view(loaded) : { id } })
    },
  )

  app.delete<Ident>(
    '/v2/schedules/:identifier',
    { schema: { tags, summary: 'Delete a schedule', params: IdParams, security } },
    async (req, reply) => {
      const { identifier } = req.params
      await changeSchedule(ctx, req, identifier, identifierTypeOf(req.query), 'delete', async (c) => {
        const s = c.loaded.schedule
        await c.trx.deleteFrom('schedules').where('id', '=', s.id).execute()
        await c.trx
          .deleteFrom('calendar_tokens')
          .where('kind', '=', 'schedule')
          .where('subject_id', '=', s.id)
          .execute()
        await recordAudit(c.trx, {
          ...c.origin,
          action: 'delete',
          entity: { type: 'schedule', id: s.id, name: s.name },
          before: s,
        })
      })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )
}
