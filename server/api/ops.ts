import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context'
import { fail, ok } from './envelope'

/** Liveness, readiness and Prometheus metrics: public, for load balancers and scrapers. */
export function opsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/health', { config: { public: true }, schema: { hide: true } }, async (req, reply) =>
    ok(req, reply, 200, { result: 'ok' }),
  )
  app.get('/ready', { config: { public: true }, schema: { hide: true } }, async (req, reply) =>
    (await ctx.store.ping())
      ? ok(req, reply, 200, { result: 'ready', data: { store: ctx.store.dialect } })
      : fail(req, reply, 503, 'store unreachable'),
  )
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    ctx.metrics.writeQueueDepth.set(ctx.writer.depth())
    reply.header('Content-Type', ctx.metrics.registry.contentType)
    return ctx.metrics.registry.metrics()
  })
}
