import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { parseInstant } from '../../../core/model/audit'
import { nextOnCall, onCallAt, timeline, toOpsgenieTimeline } from '../../../core/oncall'
import type { AppContext } from '../../context'
import { identifierTypeOf, listVisibleSchedules, visibleSchedule } from '../../schedules/access'
import { type LoadedSchedule, namesFor } from '../../schedules/store'
import { ApiError, ok } from '../envelope'
import { security, tags } from './schedules'

const IdParams = Type.Object({ identifier: Type.String({ minLength: 1 }) })
type Ident = { Params: { identifier: string } }
type Query = Record<string, string | undefined>

/** The `date` query parameter (ISO 8601 or epoch ms), or now by the injected clock. */
export function dateParam(ctx: AppContext, req: FastifyRequest): number {
  const raw = (req.query as Query).date
  if (raw === undefined || raw === '') return ctx.clock.now()
  const at = parseInstant(raw)
  if (at === undefined) throw new ApiError(422, 'Invalid query', { date: `'${raw}' is not a date-time` })
  return at
}

const flatParam = (req: FastifyRequest) =>
  String((req.query as Query).flat ?? 'false').toLowerCase() === 'true'

/** On-call answer of one schedule at an instant, in Opsgenie's shape; a disabled schedule has nobody. */
function onCallData(loaded: LoadedSchedule, at: number, flat: boolean, names: Map<string, string>) {
  const s = loaded.schedule
  const ids = s.enabled ? onCallAt(s, at).userIds : []
  const _parent = { id: s.id, name: s.name, enabled: s.enabled }
  if (flat) return { _parent, onCallRecipients: ids.map((id) => names.get(id) ?? id) }
  return { _parent, onCallParticipants: ids.map((id) => ({ id, name: names.get(id) ?? id, type: 'user' })) }
}

/** Schedule queries: who is on call (one schedule or all), who is next, and the timeline. */
export function scheduleQueryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  app.get(
    '/v2/schedules/on-calls',
    { schema: { tags, summary: 'Who is on call in every schedule', security } },
    async (req, reply) => {
      const at = dateParam(ctx, req)
      const list = await listVisibleSchedules(db(), req.principal)
      const names = await namesFor(
        db(),
        list.map((l) => l.schedule),
      )
      return ok(req, reply, 200, { data: list.map((l) => onCallData(l, at, flatParam(req), names)) })
    },
  )

  const sub = (req: FastifyRequest) => identifierTypeOf(req.query, 'scheduleIdentifierType')

  app.get<Ident>(
    '/v2/schedules/:identifier/on-calls',
    { schema: { tags, summary: 'Who is on call', params: IdParams, security } },
    async (req, reply) => {
      const at = dateParam(ctx, req)
      const loaded = await visibleSchedule(db(), req.principal, req.params.identifier, sub(req))
      const names = await namesFor(db(), [loaded.schedule])
      return ok(req, reply, 200, { data: onCallData(loaded, at, flatParam(req), names) })
    },
  )

  app.get<Ident>(
    '/v2/schedules/:identifier/next-on-calls',
    { schema: { tags, summary: 'Who is on call next', params: IdParams, security } },
    async (req, reply) => {
      const at = dateParam(ctx, req)
      const loaded = await visibleSchedule(db(), req.principal, req.params.identifier, sub(req))
      const s = loaded.schedule
      const names = await namesFor(db(), [s])
      const nexts = s.enabled ? nextOnCall(s, at).flatMap((n) => (n.next ? [n.next] : [])) : []
      const earliest = Math.min(...nexts.map((n) => n.start))
      const unique = (ids: string[]) => [...new Set(ids)]
      const next = unique(nexts.map((n) => n.userId))
      const exact = unique(nexts.filter((n) => n.start === earliest).map((n) => n.userId))
      const _parent = { id: s.id, name: s.name, enabled: s.enabled }
      const data = flatParam(req)
        ? {
            _parent,
            nextOnCallParticipants: next.map((id) => names.get(id) ?? id),
            exactNextOnCallParticipants: exact.map((id) => names.get(id) ?? id),
          }
        : {
            _parent,
            nextOnCallRecipients: next.map((id) => ({ id, name: names.get(id) ?? id, type: 'user' })),
            exactNextOnCallRecipients: exact.map((id) => ({ id, name: names.get(id) ?? id, type: 'user' })),
          }
      return ok(req, reply, 200, { data })
    },
  )

  app.get<Ident>(
    '/v2/schedules/:identifier/timeline',
    { schema: { tags, summary: 'A schedule’s timeline', params: IdParams, security } },
    async (req, reply) => {
      const q = req.query as Query
      const from = dateParam(ctx, req)
      const interval = q.interval === undefined ? 1 : Number(q.interval)
      if (!Number.isInteger(interval) || interval < 1 || interval > 366)
        throw new ApiError(422, 'Invalid query', { interval: 'must be an integer from 1 to 366' })
      const unit = q.intervalUnit ?? 'weeks'
      if (unit !== 'days' && unit !== 'weeks' && unit !== 'months')
        throw new ApiError(422, 'Invalid query', { intervalUnit: 'must be days, weeks or months' })
      const expand = (q.expand ?? '')
        .split(',')
        .map((e) => e.trim())
        .filter((e): e is 'base' | 'override' | 'forwarding' =>
          ['base', 'override', 'forwarding'].includes(e),
        )
      const type = identifierTypeOf(req.query)
      const loaded = await visibleSchedule(db(), req.principal, req.params.identifier, type)
      const s = loaded.schedule
      const to = DateTime.fromMillis(from, { zone: s.timezone })
        .plus({ [unit]: interval })
        .toMillis()
      const names = await namesFor(db(), [s])
      const data = toOpsgenieTimeline(s, timeline(s, from, to), { expand, userName: (id) => names.get(id) })
      return ok(req, reply, 200, { data, expandable: ['base', 'forwarding', 'override'] })
    },
  )
}
