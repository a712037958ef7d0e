import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { AuditEntry, AuditListQuery, parseInstant } from '../../../core/model/audit'
import { listAudit } from '../../audit/query'
import { requireAccountAdmin } from '../../auth/authorize'
import type { AppContext } from '../../context'
import { ApiError, ok } from '../envelope'
import { baseUrl, envelope, SECURITY } from './common'

const tags = ['Audit']

/** GET /api/v1/audit: the log of configuration changes, for owners and admins only. */
export function auditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/audit',
    {
      schema: {
        tags,
        security: SECURITY,
        summary: 'List configuration changes, newest first (owners and admins)',
        description:
          'Filter by entityType, entityId, actorId and a time window (from inclusive, to exclusive; ' +
          'ISO-8601 or epoch ms). Page with offset = the last id of the previous page, or follow paging.next.',
        querystring: AuditListQuery,
        response: {
          200: envelope(Type.Array(AuditEntry), {
            paging: Type.Object({ next: Type.Optional(Type.String()) }),
          }),
        },
      },
    },
    async (req, reply) => {
      // Snapshots show who holds which role and which integrations exist: account admins only, never keys.
      requireAccountAdmin(req.principal)
      const q = req.query as AuditListQuery
      const from = instant('from', q.from)
      const to = instant('to', q.to)
      const limit = q.limit ?? 50
      const page = await listAudit(ctx.store.db, {
        entityType: q.entityType,
        entityId: q.entityId,
        actorId: q.actorId,
        from,
        to,
        beforeId: q.offset,
        limit,
      })
      const paging: { next?: string } = {}
      if (page.nextBeforeId !== undefined) {
        const params = new URLSearchParams()
        for (const key of ['entityType', 'entityId', 'actorId', 'from', 'to'] as const) {
          const v = q[key]
          if (v !== undefined) params.set(key, v)
        }
        params.set('offset', String(page.nextBeforeId))
        params.set('limit', String(limit))
        paging.next = `${baseUrl(req)}/api/v1/audit?${params}`
      }
      return ok(req, reply, 200, { data: page.entries, paging })
    },
  )
}

function instant(field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = parseInstant(text)
  // The same shape as a query string that fails its JSON Schema (errors.ts).
  if (ms === undefined) {
    throw new ApiError(422, 'Invalid query', {
      [field]: 'must be an ISO-8601 date-time or epoch milliseconds',
    })
  }
  return ms
}
