import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeCreate } from '../../../core/alerts/normalize'
import { CreateAlertPayload, type CreateAlertPayload as CreateBody } from '../../../core/model/alert'
import { alertSortColumn } from '../../../core/query'
import { principalName } from '../../auth/principal'
import type { AppContext } from '../../context'
import { AlertQueries, alertFilter } from '../../ingest/alert-queries'
import { toBaseAlert } from '../../ingest/alert-row'
import { integrationOf, scopeOf } from '../../ingest/alert-service'
import { ApiError, ok, requestId } from '../envelope'
import { identifierType, requireAccess, teamForCreate, UNPROCESSABLE } from './access'
import { alertActionRoutes } from './alert-actions'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]

const ListQuery = Type.Object({
  query: Type.Optional(Type.String()),
  searchIdentifier: Type.Optional(Type.String()),
  searchIdentifierType: Type.Optional(Type.String()),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  sort: Type.Optional(Type.String()),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
})

const EntriesQuery = Type.Object({
  identifierType: Type.Optional(Type.String()),
  offset: Type.Optional(Type.String({ maxLength: 30 })),
  direction: Type.Optional(Type.Union([Type.Literal('next'), Type.Literal('prev')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
})

function filterOrFail(query: string | undefined, searchIdentifier: string | undefined) {
  if (searchIdentifier)
    throw new ApiError(422, 'Saved searches are not supported yet', { searchIdentifier: 'not supported' })
  const f = alertFilter(query)
  if (!f.ok) throw new ApiError(422, `Invalid query: ${f.error}`, { query: f.error })
  return f.filter
}

function pageUrl(req: FastifyRequest, params: Record<string, string | number>): string {
  const url = new URL(req.url, `${req.protocol}://${req.host}`)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v))
  return url.toString()
}

/** Opsgenie's Alert API v2: create, read, list, count, request status, logs, notes and every action. */
export function alertRoutes(app: FastifyInstance, ctx: AppContext): void {
  const queries = new AlertQueries(ctx.store)

  app.post<{ Body: CreateBody }>(
    '/v2/alerts',
    { schema: { tags: ['alerts'], summary: 'Create an alert', body: CreateAlertPayload, security } },
    async (req, reply) => {
      const p = req.principal
      requireAccess(p, 'write')
      const norm = normalizeCreate(req.body, { source: req.ip, user: principalName(p) })
      if (!norm.ok) throw new ApiError(422, UNPROCESSABLE, norm.errors)
      const teamId = await teamForCreate(ctx, p, norm.value.responders)
      await ctx.alerts.create(norm.value, teamId, integrationOf(p), requestId(req))
      return ok(req, reply, 202, { result: 'Request will be processed' })
    },
  )

  app.get<{ Querystring: typeof ListQuery.static }>(
    '/v2/alerts',
    { schema: { tags: ['alerts'], summary: 'List alerts', querystring: ListQuery, security } },
    async (req, reply) => {
      requireAccess(req.principal, 'read')
      const q = req.query
      const filter = filterOrFail(q.query, q.searchIdentifier)
      const sortName = q.sort ?? 'createdAt'
      const sort = alertSortColumn(sortName)
      if (!sort.ok) throw new ApiError(422, sort.error, { sort: sort.error })
      const offset = q.offset ?? 0
      const limit = q.limit ?? 20
      const order = q.order ?? 'desc'
      const rows = await queries.list({
        scope: scopeOf(req.principal),
        filter,
        offset,
        limit,
        sort: sort.column,
        order,
      })
      const alerts = (await queries.render(rows, ctx.clock.now())).map(toBaseAlert)
      const paging: Record<string, string> = { first: pageUrl(req, { offset: 0, limit }) }
      if (rows.length === limit) paging.next = pageUrl(req, { offset: offset + limit, limit })
      if (offset > 0) paging.prev = pageUrl(req, { offset: Math.max(0, offset - limit), limit })
      return ok(req, reply, 200, { data: alerts, paging })
    },
  )

  app.get<{ Querystring: { query?: string; searchIdentifier?: string } }>(
    '/v2/alerts/count',
    { schema: { tags: ['alerts'], summary: 'Count alerts matching a query', security } },
    async (req, reply) => {
      requireAccess(req.principal, 'read')
      const filter = filterOrFail(req.query.query, req.query.searchIdentifier)
      const count = await queries.count(scopeOf(req.principal), filter)
      return ok(req, reply, 200, { data: { count } })
    },
  )

  app.get<{ Params: { requestId: string } }>(
    '/v2/alerts/requests/:requestId',
    { schema: { tags: ['alerts'], summary: 'Status of an async alert request', security } },
    async (req, reply) => {
      const r = await queries.request(req.params.requestId, integrationOf(req.principal))
      if (!r) {
        // The Go SDK retries on this error type; every request here is processed before its 202, so it means unknown.
        reply.header('X-Opsgenie-Errortype', 'RequestNotProcessed')
        throw new ApiError(404, 'Request not found. It might not be processed yet.')
      }
      return ok(req, reply, 200, {
        data: {
          success: r.success,
          action: r.action,
          processedAt: new Date(r.processedAt).toISOString(),
          integrationId: r.integrationId,
          isSuccess: r.success,
          status: r.status,
          alertId: r.alertId,
          alias: r.alias,
        },
      })
    },
  )

  app.get<{ Params: { identifier: string } }>(
    '/v2/alerts/:identifier',
    { schema: { tags: ['alerts'], summary: 'Get an alert by id, alias or tinyId', security } },
    async (req, reply) => {
      requireAccess(req.principal, 'read')
      const row = await queries.get(req.params.identifier, identifierType(req), scopeOf(req.principal))
      if (!row) throw new ApiError(404, 'Alert does not exist')
      const [alert] = await queries.render([row], ctx.clock.now())
      return ok(req, reply, 200, { data: alert })
    },
  )

  for (const kind of ['logs', 'notes'] as const) {
    app.get<{ Params: { identifier: string }; Querystring: typeof EntriesQuery.static }>(
      `/v2/alerts/:identifier/${kind}`,
      {
        schema: {
          tags: ['alerts'],
          summary: `List the ${kind} of an alert`,
          querystring: EntriesQuery,
          security,
        },
      },
      async (req, reply) => {
        requireAccess(req.principal, 'read')
        const row = await queries.get(req.params.identifier, identifierType(req), scopeOf(req.principal))
        if (!row) throw new ApiError(404, 'Alert does not exist')
        const q = req.query
        const offset = q.offset !== undefined && q.offset !== '' ? Number(q.offset) : undefined
        if (offset !== undefined && !Number.isSafeInteger(offset)) {
          throw new ApiError(422, 'Invalid offset', {
            offset: 'must be an offset returned by a previous page',
          })
        }
        const limit = q.limit ?? 20
        const entries = await queries.entries(kind === 'logs' ? 'alert_logs' : 'alert_notes', row.id, {
          offset,
          direction: q.direction ?? 'next',
          limit,
          order: q.order ?? 'asc',
        })
        const data = entries.map((e) => ({
          [kind === 'logs' ? 'log' : 'note']: e.text,
          ...(kind === 'logs' ? { type: e.type } : {}),
          owner: e.owner,
          createdAt: new Date(e.created_at).toISOString(),
          offset: String(e.id),
        }))
        const last = entries.at(-1)
        const paging: Record<string, string> = {}
        if (last && entries.length === limit)
          paging.next = pageUrl(req, { offset: last.id, direction: 'next', limit })
        if (entries[0]) paging.first = pageUrl(req, { limit })
        return ok(req, reply, 200, { data, paging })
      },
    )
  }

  alertActionRoutes(app, ctx)
}
