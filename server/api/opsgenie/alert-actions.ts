import type { TSchema } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { cut, detailValue, normalizeTags } from '../../../core/alerts/normalize'
import {
  AddDetailsPayload,
  AddNotePayload,
  AddResponderPayload,
  AddTagsPayload,
  AddTeamPayload,
  AlertActionPayload,
  AssignPayload,
  EscalatePayload,
  type Priority,
  SnoozePayload,
  UpdateDescriptionPayload,
  UpdateMessagePayload,
  UpdatePriorityPayload,
} from '../../../core/model/alert'
import { ALERT_LIMITS as L } from '../../../core/model/limits'
import { principalName } from '../../auth/principal'
import type { AppContext } from '../../context'
import type { ActionMeta, AlertAction } from '../../ingest/alert-actions'
import { ApiError, ok, requestId } from '../envelope'
import { identifierType, requireAccess, UNPROCESSABLE } from './access'

type Body = Record<string, unknown> & { user?: string; source?: string; note?: string }
type Build = (body: Body, req: FastifyRequest) => AlertAction

const idParam = {
  type: 'object',
  properties: { identifier: { type: 'string', minLength: 1, maxLength: 1024 } },
  required: ['identifier'],
} as const
const idQuery = {
  type: 'object',
  properties: {
    identifierType: { type: 'string' },
    user: { type: 'string' },
    source: { type: 'string' },
    note: { type: 'string' },
  },
} as const

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : undefined)

function meta(body: Body, req: FastifyRequest): ActionMeta {
  // Routes without a body schema (DELETE) may still receive any JSON: read only strings.
  const q = req.query as Body
  const user = text(body.user) ?? text(q.user)
  const source = text(body.source) ?? text(q.source)
  const note = text(body.note) ?? text(q.note)
  return {
    user: cut(user || principalName(req.principal), L.user),
    source: cut(source || req.ip, L.source),
    note: note ? cut(note, L.note) : undefined,
  }
}

function commaList(raw: unknown, field: string): string[] {
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : []
  if (!list.length) throw new ApiError(422, UNPROCESSABLE, { [field]: 'give a comma-separated list' })
  return list
}

function parseEndTime(raw: string): number {
  const dt = DateTime.fromISO(raw, { setZone: true })
  if (!dt.isValid)
    throw new ApiError(422, UNPROCESSABLE, {
      endTime: `must be an ISO-8601 date-time (got '${cut(raw, 40)}')`,
    })
  return dt.toMillis()
}

/** Route table: method, path suffix, body schema, access needed, and how the body becomes an action. */
const ROUTES: Array<{
  method: 'POST' | 'PUT' | 'DELETE'
  path: string
  schema?: TSchema
  need: 'write' | 'delete'
  build: Build
  summary: string
}> = [
  {
    method: 'POST',
    path: '/acknowledge',
    schema: AlertActionPayload,
    need: 'write',
    build: () => ({ type: 'acknowledge' }),
    summary: 'Acknowledge an alert',
  },
  {
    method: 'POST',
    path: '/unacknowledge',
    schema: AlertActionPayload,
    need: 'write',
    build: () => ({ type: 'unacknowledge' }),
    summary: 'Unacknowledge an alert',
  },
  {
    method: 'POST',
    path: '/close',
    schema: AlertActionPayload,
    need: 'write',
    build: () => ({ type: 'close' }),
    summary: 'Close an alert',
  },
  {
    method: 'POST',
    path: '/snooze',
    schema: SnoozePayload,
    need: 'write',
    summary: 'Snooze an alert until endTime',
    build: (b) => ({ type: 'snooze', endTime: parseEndTime(String(b.endTime)) }),
  },
  {
    method: 'POST',
    path: '/escalate',
    schema: EscalatePayload,
    need: 'write',
    summary: 'Escalate to the next step',
    build: (b) => ({ type: 'escalate', escalation: b.escalation as { id?: string; name?: string } }),
  },
  {
    method: 'POST',
    path: '/assign',
    schema: AssignPayload,
    need: 'write',
    summary: 'Assign an owner',
    build: (b) => {
      const owner = b.owner as { id?: string; username?: string }
      if (!owner.id && !owner.username)
        throw new ApiError(422, UNPROCESSABLE, { owner: 'needs id or username' })
      return { type: 'assign', owner }
    },
  },
  {
    method: 'POST',
    path: '/responders',
    schema: AddResponderPayload,
    need: 'write',
    summary: 'Add a responder',
    build: (b) => {
      const r = b.responder as { type: string; id?: string; name?: string; username?: string }
      if (!['team', 'user', 'escalation', 'schedule'].includes(r.type.toLowerCase())) {
        throw new ApiError(422, UNPROCESSABLE, {
          'responder.type': 'must be team, user, escalation or schedule',
        })
      }
      if (!r.id && !r.name && !r.username)
        throw new ApiError(422, UNPROCESSABLE, { responder: 'needs id, name or username' })
      return { type: 'addResponder', responder: r }
    },
  },
  {
    method: 'POST',
    path: '/teams',
    schema: AddTeamPayload,
    need: 'write',
    summary: 'Add a team',
    build: (b) => {
      const team = b.team as { id?: string; name?: string }
      if (!team.id && !team.name) throw new ApiError(422, UNPROCESSABLE, { team: 'needs id or name' })
      return { type: 'addTeam', team }
    },
  },
  {
    method: 'POST',
    path: '/tags',
    schema: AddTagsPayload,
    need: 'write',
    summary: 'Add tags',
    build: (b) => {
      const tags = normalizeTags(b.tags as string[])
      if (!tags.ok) throw new ApiError(422, UNPROCESSABLE, tags.errors)
      if (!tags.value.length) throw new ApiError(422, UNPROCESSABLE, { tags: 'give at least one tag' })
      return { type: 'addTags', tags: tags.value }
    },
  },
  {
    method: 'DELETE',
    path: '/tags',
    need: 'write',
    summary: 'Remove tags',
    build: (_b, req) => ({ type: 'removeTags', tags: commaList((req.query as Body).tags, 'tags') }),
  },
  {
    method: 'POST',
    path: '/details',
    schema: AddDetailsPayload,
    need: 'write',
    summary: 'Add details',
    build: (b) => {
      const details = Object.fromEntries(
        Object.entries(b.details as object).map(([k, v]) => [k, detailValue(v)]),
      )
      if (!Object.keys(details).length)
        throw new ApiError(422, UNPROCESSABLE, { details: 'give at least one key' })
      return { type: 'addDetails', details }
    },
  },
  {
    method: 'DELETE',
    path: '/details',
    need: 'write',
    summary: 'Remove details',
    build: (_b, req) => ({ type: 'removeDetails', keys: commaList((req.query as Body).keys, 'keys') }),
  },
  {
    method: 'POST',
    path: '/notes',
    schema: AddNotePayload,
    need: 'write',
    summary: 'Add a note',
    build: (b) => {
      if (!String(b.note).trim()) throw new ApiError(422, UNPROCESSABLE, { note: 'must not be empty' })
      return { type: 'addNote' }
    },
  },
  {
    method: 'PUT',
    path: '/message',
    schema: UpdateMessagePayload,
    need: 'write',
    summary: 'Update the message',
    // An empty or absent message leaves it unchanged: an alert always has one.
    build: (b) => {
      const message = typeof b.message === 'string' ? cut(b.message.trim(), L.message) : ''
      return { type: 'updateMessage', message: message || undefined }
    },
  },
  {
    method: 'PUT',
    path: '/description',
    schema: UpdateDescriptionPayload,
    need: 'write',
    summary: 'Update the description',
    // Absent leaves the description unchanged; an empty string clears it.
    build: (b) => ({
      type: 'updateDescription',
      description: typeof b.description === 'string' ? cut(b.description, L.description) : undefined,
    }),
  },
  {
    method: 'PUT',
    path: '/priority',
    schema: UpdatePriorityPayload,
    need: 'write',
    summary: 'Update the priority',
    build: (b) => ({ type: 'updatePriority', priority: b.priority as Priority }),
  },
  {
    method: 'DELETE',
    path: '',
    need: 'delete',
    build: () => ({ type: 'delete' }),
    summary: 'Delete an alert',
  },
]

/** Every alert action of Opsgenie's Alert API v2: answered 202 once the action is durably applied. */
export function alertActionRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const r of ROUTES) {
    app.route({
      method: r.method,
      url: `/v2/alerts/:identifier${r.path}`,
      schema: {
        tags: ['alerts'],
        summary: r.summary,
        params: idParam,
        querystring: idQuery,
        ...(r.schema ? { body: r.schema } : {}),
        security: [{ GenieKey: [] }, { Session: [] }],
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        requireAccess(req.principal, r.need)
        const type = identifierType(req)
        const body = (
          req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}
        ) as Body
        const action = r.build(body, req)
        const m = meta(body, req)
        const { identifier } = req.params as { identifier: string }
        await ctx.alerts.act(req.principal, identifier, type, action, m, requestId(req))
        return ok(req, reply, 202, { result: 'Request will be processed' })
      },
    })
  }
}
