import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeCreate } from '../../../core/alerts/normalize'
import { newId } from '../../../core/ids/ids'
import {
  type InboundCommand,
  type MapResult,
  mapAlertmanagerWebhook,
  mapGenericWebhook,
  mapGrafanaWebhook,
} from '../../../core/integrations'
import type { KeyPrincipal } from '../../auth/principal'
import type { AppContext } from '../../context'
import type { RequestOutcome } from '../../ingest/alert-service'
import { ApiError, ok } from '../envelope'
import { requireAccess, UNPROCESSABLE } from '../opsgenie/access'

type Mapper = (body: unknown, integration: KeyPrincipal, ctx: AppContext) => Promise<MapResult>

const MAPPERS: Record<string, { mapper: Mapper; summary: string }> = {
  alertmanager: {
    summary: 'Prometheus Alertmanager webhook_configs receiver (payload version 4)',
    mapper: async (body) => mapAlertmanagerWebhook(body),
  },
  grafana: {
    summary: 'Grafana webhook contact point',
    mapper: async (body) => mapGrafanaWebhook(body),
  },
  webhook: {
    summary: 'Generic JSON webhook, mapped by the integration’s JSON-pointer field mapping',
    mapper: async (body, p, ctx) => {
      const row = await ctx.store.db
        .selectFrom('integrations')
        .select(['type', 'config'])
        .where('id', '=', p.integrationId)
        .executeTakeFirst()
      if (row?.type !== 'Webhook') {
        throw new ApiError(403, 'Only a Webhook integration’s key may post to /integrations/webhook')
      }
      return mapGenericWebhook(body, JSON.parse(row.config))
    },
  },
}

/** Applies mapped commands in order, each as its own durable write with its own request status. */
async function apply(ctx: AppContext, p: KeyPrincipal, req: FastifyRequest, commands: InboundCommand[]) {
  const errors: Record<string, string> = {}
  const creates = commands.map((c, i) => {
    if (c.kind !== 'create') return undefined
    const n = normalizeCreate(c.payload, { source: req.ip, user: p.integrationName })
    if (!n.ok) for (const [k, v] of Object.entries(n.errors)) errors[`[${i}].${k}`] = v
    return n.ok ? n.value : undefined
  })
  if (Object.keys(errors).length) throw new ApiError(422, UNPROCESSABLE, errors)
  // Submitted together, they still commit in this order: the writer's queue is FIFO.
  const writes: Promise<RequestOutcome>[] = commands.map((c, i) => {
    const requestId = newId(ctx.clock.now())
    if (c.kind === 'create') {
      const alert = creates[i]
      if (!alert) throw new Error('unreachable: create without a normalized alert')
      return ctx.alerts.create(alert, p.teamId, p.integrationId, requestId)
    }
    const meta = { user: c.user || p.integrationName, source: c.source || p.integrationName, note: c.note }
    return ctx.alerts.act(p, c.alias, 'alias', { type: c.kind }, meta, requestId)
  })
  return Promise.all(writes)
}

/** Native inbound integrations: Alertmanager and Grafana webhooks and a generic JSON webhook. */
export function integrationRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const [name, { mapper, summary }] of Object.entries(MAPPERS)) {
    app.post(
      `/integrations/${name}`,
      { schema: { tags: ['integrations'], summary, security: [{ GenieKey: [] }] } },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const p = req.principal
        if (p.kind !== 'key')
          throw new ApiError(403, 'Integration endpoints take an integration key (GenieKey)')
        requireAccess(p, 'write')
        const result = await mapper(req.body, p, ctx)
        if (!result.ok) throw new ApiError(result.status, result.message, result.errors)
        const outcomes = await apply(ctx, p, req, result.commands)
        return ok(req, reply, 202, {
          result: 'Request will be processed',
          data: outcomes.map((o) => ({
            requestId: o.requestId,
            action: o.action,
            status: o.status,
            alias: o.alias,
          })),
        })
      },
    )
  }
}
