import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Override, Rotation, Schedule } from '../../../core/model/schedule'
import { type AuditEntity, recordAudit } from '../../audit/record'
import type { AppContext } from '../../context'
import { identifierTypeOf, visibleSchedule } from '../../schedules/access'
import {
  checkSchedule,
  OverrideBody,
  overrideFromBody,
  overrideView,
  RotationBody,
  RotationPatch,
  rotationFromBody,
  rotationView,
} from '../../schedules/convert'
import { userIdsOf, usernamesOf } from '../../schedules/store'
import { changeSchedule, pruneOverrides, saveRotations } from '../../schedules/write'
import { ApiError, ok } from '../envelope'
import { security, tags } from './schedules'

const Params = Type.Object({ identifier: Type.String({ minLength: 1 }) })
const RotationParams = Type.Object({ identifier: Type.String({ minLength: 1 }), rotationId: Type.String() })
const AliasParams = Type.Object({ identifier: Type.String({ minLength: 1 }), alias: Type.String() })
type P = { Params: { identifier: string } }
type PR = { Params: { identifier: string; rotationId: string } }
type PA = { Params: { identifier: string; alias: string } }

const rotationNotFound = (id: string) => new ApiError(404, `Rotation with id [${id}] does not exist`)
const overrideNotFound = (alias: string) => new ApiError(404, `Override with alias [${alias}] does not exist`)

const rotationEntity = (s: Schedule, r: Rotation): AuditEntity => ({
  type: 'rotation',
  id: r.id,
  name: `${r.name} in ${s.name}`,
})
const overrideEntity = (s: Schedule, alias: string): AuditEntity => ({
  type: 'override',
  id: `${s.id}:${alias}`,
  name: `${alias} in ${s.name}`,
})

/** The schedule's rotation with this id, or the API's 404. */
const rotationOf = (s: Schedule, id: string) => {
  const r = s.rotations.find((x) => x.id === id)
  if (!r) throw rotationNotFound(id)
  return r
}

const scheduleType = (req: FastifyRequest) => identifierTypeOf(req.query, 'scheduleIdentifierType')

/** Rotation and override routes: /v2/schedules/{id}/rotations and /v2/schedules/{id}/overrides. */
export function schedulePartRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const names = (s: Schedule) => usernamesOf(db(), userIdsOf(s))

  /** Reads the schedule again after a change and answers with one of its parts. */
  async function reread(req: FastifyRequest, scheduleId: string) {
    return (await visibleSchedule(db(), req.principal, scheduleId, 'id')).schedule
  }

  /** The schedule the request names (by its identifier and identifier type), if the caller may see it. */
  async function named(req: FastifyRequest<P>) {
    return (await visibleSchedule(db(), req.principal, req.params.identifier, scheduleType(req))).schedule
  }

  app.get<P>(
    '/v2/schedules/:identifier/rotations',
    { schema: { tags, summary: 'List a schedule’s rotations', params: Params, security } },
    async (req, reply) => {
      const s = await named(req)
      const n = await names(s)
      return ok(req, reply, 200, { data: s.rotations.map((r) => rotationView(r, s.timezone, n)) })
    },
  )

  app.post<P & { Body: RotationBody }>(
    '/v2/schedules/:identifier/rotations',
    { schema: { tags, summary: 'Add a rotation', params: Params, body: RotationBody, security } },
    async (req, reply) => {
      const { scheduleId, rotationId } = await changeSchedule(
        ctx,
        req,
        req.params.identifier,
        scheduleType(req),
        'write',
        async (c) => {
          const s = c.loaded.schedule
          const r = await rotationFromBody(c.trx, req.body, {
            id: randomUUID(),
            zone: s.timezone,
            field: 'body',
            defaultName: `Rotation-${s.rotations.length + 1}`,
          })
          await saveRotations(c.trx, s, [...s.rotations, r], c.origin.at)
          await recordAudit(c.trx, { ...c.origin, action: 'create', entity: rotationEntity(s, r), after: r })
          return { scheduleId: s.id, rotationId: r.id }
        },
      )
      const s = await reread(req, scheduleId)
      const r = rotationOf(s, rotationId)
      return ok(req, reply, 201, { result: 'Created', data: rotationView(r, s.timezone, await names(s)) })
    },
  )

  app.get<PR>(
    '/v2/schedules/:identifier/rotations/:rotationId',
    { schema: { tags, summary: 'Get a rotation', params: RotationParams, security } },
    async (req, reply) => {
      const s = await named(req)
      const r = rotationOf(s, req.params.rotationId)
      return ok(req, reply, 200, { data: rotationView(r, s.timezone, await names(s)) })
    },
  )

  app.patch<PR & { Body: RotationPatch }>(
    '/v2/schedules/:identifier/rotations/:rotationId',
    { schema: { tags, summary: 'Update a rotation', params: RotationParams, body: RotationPatch, security } },
    async (req, reply) => {
      const { rotationId } = req.params
      const scheduleId = await changeSchedule(
        ctx,
        req,
        req.params.identifier,
        scheduleType(req),
        'write',
        async (c) => {
          const s = c.loaded.schedule
          const base = rotationOf(s, rotationId)
          const r = await rotationFromBody(c.trx, req.body, {
            id: base.id,
            zone: s.timezone,
            field: 'body',
            base,
            defaultName: base.name,
          })
          await saveRotations(
            c.trx,
            s,
            s.rotations.map((x) => (x.id === rotationId ? r : x)),
            c.origin.at,
          )
          await recordAudit(c.trx, {
            ...c.origin,
            action: 'update',
            entity: rotationEntity(s, r),
            before: base,
            after: r,
          })
          return s.id
        },
      )
      const s = await reread(req, scheduleId)
      const r = rotationOf(s, rotationId)
      return ok(req, reply, 200, { result: 'Updated', data: rotationView(r, s.timezone, await names(s)) })
    },
  )

  app.delete<PR>(
    '/v2/schedules/:identifier/rotations/:rotationId',
    { schema: { tags, summary: 'Delete a rotation', params: RotationParams, security } },
    async (req, reply) => {
      const { rotationId } = req.params
      await changeSchedule(ctx, req, req.params.identifier, scheduleType(req), 'delete', async (c) => {
        const s = c.loaded.schedule
        const r = rotationOf(s, rotationId)
        const kept = s.rotations.filter((x) => x.id !== rotationId)
        const pruned = await pruneOverrides(c.trx, s, new Set(kept.map((x) => x.id)))
        await saveRotations(c.trx, pruned, kept, c.origin.at)
        await recordAudit(c.trx, { ...c.origin, action: 'delete', entity: rotationEntity(s, r), before: r })
      })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.get<P>(
    '/v2/schedules/:identifier/overrides',
    { schema: { tags, summary: 'List a schedule’s overrides', params: Params, security } },
    async (req, reply) => {
      const s = await named(req)
      const n = await names(s)
      return ok(req, reply, 200, { data: s.overrides.map((o) => overrideView(o, s, n)) })
    },
  )

  app.get<PA>(
    '/v2/schedules/:identifier/overrides/:alias',
    { schema: { tags, summary: 'Get an override', params: AliasParams, security } },
    async (req, reply) => {
      const s = await named(req)
      const o = s.overrides.find((x) => x.id === req.params.alias)
      if (!o) throw overrideNotFound(req.params.alias)
      return ok(req, reply, 200, { data: overrideView(o, s, await names(s)) })
    },
  )

  /** Creates (alias new) or replaces (alias existing) an override; answers with the stored one. */
  async function putOverride(req: FastifyRequest, body: OverrideBody, alias: string, replace: boolean) {
    const p = req.params as { identifier: string }
    const scheduleId = await changeSchedule(ctx, req, p.identifier, scheduleType(req), 'write', async (c) => {
      const s = c.loaded.schedule
      const before = s.overrides.find((x) => x.id === alias)
      if (replace && !before) throw overrideNotFound(alias)
      if (!replace && before) throw new ApiError(409, `Override with alias [${alias}] already exists`)
      const o: Override = await overrideFromBody(c.trx, body, s, alias)
      checkSchedule({ ...s, overrides: [...s.overrides.filter((x) => x.id !== alias), o] })
      const values = {
        user_id: o.userId,
        start_at: o.start,
        end_at: o.end,
        rotation_ids: o.rotationIds ? JSON.stringify(o.rotationIds) : null,
      }
      if (before) {
        await c.trx
          .updateTable('schedule_overrides')
          .set(values)
          .where('schedule_id', '=', s.id)
          .where('alias', '=', alias)
          .execute()
      } else {
        await c.trx
          .insertInto('schedule_overrides')
          .values({ id: randomUUID(), schedule_id: s.id, alias, created_at: c.origin.at, ...values })
          .execute()
      }
      await recordAudit(c.trx, {
        ...c.origin,
        action: before ? 'update' : 'create',
        entity: overrideEntity(s, alias),
        before: before ?? null,
        after: o,
      })
      return s.id
    })
    const s = await reread(req, scheduleId)
    const o = s.overrides.find((x) => x.id === alias)
    if (!o) throw overrideNotFound(alias)
    return overrideView(o, s, await names(s))
  }

  app.post<P & { Body: OverrideBody }>(
    '/v2/schedules/:identifier/overrides',
    { schema: { tags, summary: 'Create an override', params: Params, body: OverrideBody, security } },
    async (req, reply) => {
      const data = await putOverride(req, req.body, req.body.alias ?? randomUUID(), false)
      return ok(req, reply, 201, { result: 'Created', data })
    },
  )

  app.put<PA & { Body: OverrideBody }>(
    '/v2/schedules/:identifier/overrides/:alias',
    { schema: { tags, summary: 'Replace an override', params: AliasParams, body: OverrideBody, security } },
    async (req, reply) => {
      const data = await putOverride(req, req.body, req.params.alias, true)
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<PA>(
    '/v2/schedules/:identifier/overrides/:alias',
    { schema: { tags, summary: 'Delete an override', params: AliasParams, security } },
    async (req, reply) => {
      const { alias } = req.params
      await changeSchedule(ctx, req, req.params.identifier, scheduleType(req), 'delete', async (c) => {
        const s = c.loaded.schedule
        const before = s.overrides.find((x) => x.id === alias)
        if (!before) throw overrideNotFound(alias)
        await c.trx
          .deleteFrom('schedule_overrides')
          .where('schedule_id', '=', s.id)
          .where('alias', '=', alias)
          .execute()
        await recordAudit(c.trx, { ...c.origin, action: 'delete', entity: overrideEntity(s, alias), before })
      })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )
}
