import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import ical from 'ical-generator'
import { DateTime } from 'luxon'
import type { Schedule } from '../../../core/model/schedule'
import { timeline } from '../../../core/oncall'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden, requireUser } from '../../auth/authorize'
import { isAccountAdmin } from '../../auth/principal'
import { hashToken, randomToken } from '../../auth/tokens'
import type { AppContext } from '../../context'
import { identifierTypeOf, requireScheduleChange, visibleSchedule } from '../../schedules/access'
import {
  findScheduleRow,
  findUser,
  listScheduleRows,
  loadSchedule,
  loadSchedules,
  userIdsOf,
  usernamesOf,
} from '../../schedules/store'
import { ApiError, ok } from '../envelope'
import { security, tags } from './schedules'

/** How far ahead the feeds reach (Opsgenie exports the next 3 months). */
const FEED_MONTHS = 3

type Kind = 'schedule' | 'user'
const IdParams = Type.Object({ identifier: Type.String({ minLength: 1 }) })
const UserParams = Type.Object({ id: Type.String({ minLength: 1 }) })
const FeedQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) })
const unauthorized = () => new ApiError(401, 'Missing, wrong or revoked calendar token')

interface Shift {
  uid: string
  start: number
  end: number
  summary: string
}

/** Final shifts of a schedule from `from` for FEED_MONTHS, optionally only one user's. */
function shiftsOf(s: Schedule, from: number, names: Map<string, string>, onlyUser?: string): Shift[] {
  if (!s.enabled) return []
  const to = DateTime.fromMillis(from, { zone: s.timezone }).plus({ months: FEED_MONTHS }).toMillis()
  const out: Shift[] = []
  timeline(s, from, to).final.forEach((rp, i) => {
    const rotation = s.rotations[i]?.name ?? rp.rotationId
    for (const p of rp.periods) {
      if (p.participant.type !== 'user') continue
      const userId = p.participant.id
      if (onlyUser !== undefined && userId !== onlyUser) continue
      const who = names.get(userId) ?? userId
      out.push({
        uid: `${s.id}-${rp.rotationId}-${p.start}-${userId}@vigil`,
        start: p.start,
        end: p.end,
        summary:
          onlyUser === undefined
            ? `${who} on call (${s.name} / ${rotation})`
            : `On call: ${s.name} / ${rotation}`,
      })
    }
  })
  return out
}

function sendCalendar(reply: FastifyReply, name: string, shifts: Shift[], stamp: number) {
  const cal = ical({ name, prodId: { company: 'vigil', product: 'vigil' } })
  for (const s of shifts.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid))) {
    cal.createEvent({
      id: s.uid,
      start: new Date(s.start),
      end: new Date(s.end),
      summary: s.summary,
      stamp: new Date(stamp),
    })
  }
  return reply.code(200).header('content-type', 'text/calendar; charset=utf-8').send(cal.toString())
}

/** iCal subscription feeds of schedules and users, authorised by a revocable token in the URL. */
export function scheduleCalendarRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  /** True when `token` is the live token of the subject. */
  async function tokenMatches(kind: Kind, subjectId: string, token: string | undefined): Promise<boolean> {
    if (!token) return false
    const row = await db()
      .selectFrom('calendar_tokens')
      .select('subject_id')
      .where('token_hash', '=', hashToken(token))
      .where('kind', '=', kind)
      .executeTakeFirst()
    return row?.subject_id === subjectId
  }

  /** Replaces the subject's token (or only revokes it) and audits the change; returns the new token. */
  async function rotate(
    req: FastifyRequest,
    kind: Kind,
    entity: { type: string; id: string; name: string },
    create: boolean,
  ): Promise<string | undefined> {
    const token = create ? randomToken(32) : undefined
    await ctx.writer.submit(async (trx) => {
      await trx
        .deleteFrom('calendar_tokens')
        .where('kind', '=', kind)
        .where('subject_id', '=', entity.id)
        .execute()
      if (token)
        await trx
          .insertInto('calendar_tokens')
          .values({ kind, subject_id: entity.id, token_hash: hashToken(token), created_at: ctx.clock.now() })
          .execute()
      await recordAudit(trx, {
        ...originOf(req, ctx.clock),
        action: create ? 'rotate-calendar-token' : 'revoke-calendar-token',
        entity,
      })
    })
    return token
  }

  for (const create of [true, false]) {
    app.route<{ Params: { identifier: string } }>({
      method: create ? 'POST' : 'DELETE',
      url: '/v2/schedules/:identifier/calendar-token',
      schema: {
        tags,
        summary: create
          ? 'Create or rotate the schedule’s calendar token'
          : 'Revoke the schedule’s calendar token',
        params: IdParams,
        security,
      },
      handler: async (req, reply) => {
        const p = req.principal
        const { row } = await visibleSchedule(db(), p, req.params.identifier, identifierTypeOf(req.query))
        requireScheduleChange(p, row.team_id, 'write')
        const token = await rotate(req, 'schedule', { type: 'schedule', id: row.id, name: row.name }, create)
        if (!token) return ok(req, reply, 200, { result: 'Revoked' })
        const url = `/v2/schedules/${encodeURIComponent(row.id)}.ics?token=${token}`
        return ok(req, reply, 201, { result: 'Created', data: { token, url } })
      },
    })

    app.route<{ Params: { id: string } }>({
      method: create ? 'POST' : 'DELETE',
      url: '/api/v1/users/:id/calendar-token',
      schema: {
        tags,
        summary: create ? 'Create or rotate a user’s calendar token' : 'Revoke a user’s calendar token',
        params: UserParams,
        security,
      },
      handler: async (req, reply) => {
        const p = requireUser(req.principal)
        const ref = req.params.id.includes('@') ? { username: req.params.id } : { id: req.params.id }
        const user = await findUser(db(), ref)
        if (!user) throw new ApiError(404, `User with identifier [${req.params.id}] does not exist`)
        if (user.id !== p.userId && !isAccountAdmin(p))
          throw forbidden('Only the user and account admins may manage a user’s calendar token')
        const token = await rotate(req, 'user', { type: 'user', id: user.id, name: user.username }, create)
        if (!token) return ok(req, reply, 200, { result: 'Revoked' })
        const url = `/v2/schedules/on-calls/${encodeURIComponent(user.username)}.ics?token=${token}`
        return ok(req, reply, 201, { result: 'Created', data: { token, url } })
      },
    })
  }

  app.get<{ Params: { identifier: string }; Querystring: { token?: string } }>(
    '/v2/schedules/:identifier.ics',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'iCal feed of a schedule’s next 3 months',
        params: IdParams,
        querystring: FeedQuery,
      },
    },
    async (req, reply) => {
      const type = identifierTypeOf(req.query)
      const row = await findScheduleRow(db(), req.params.identifier, type)
      if (!row || !(await tokenMatches('schedule', row.id, req.query.token))) throw unauthorized()
      const loaded = await loadSchedule(db(), row.id, 'id')
      if (!loaded) throw unauthorized()
      const s = loaded.schedule
      const now = ctx.clock.now()
      const names = await usernamesOf(db(), userIdsOf(s))
      return sendCalendar(reply, s.name, shiftsOf(s, now, names), now)
    },
  )

  app.get<{ Params: { user: string }; Querystring: { token?: string } }>(
    '/v2/schedules/on-calls/:user.ics',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'iCal feed of one user’s on-call shifts for the next 3 months',
        params: Type.Object({ user: Type.String({ minLength: 1 }) }),
        querystring: FeedQuery,
      },
    },
    async (req, reply) => {
      const ident = req.params.user
      const user = (await findUser(db(), { id: ident })) ?? (await findUser(db(), { username: ident }))
      if (!user || !(await tokenMatches('user', user.id, req.query.token))) throw unauthorized()
      const now = ctx.clock.now()
      const all = await loadSchedules(db(), await listScheduleRows(db()))
      const names = new Map([[user.id, user.username]])
      const shifts = all.flatMap((l) => shiftsOf(l.schedule, now, names, user.id))
      return sendCalendar(reply, `${user.username} on call`, shifts, now)
    },
  )
}
