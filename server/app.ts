import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Ajv from 'ajv'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { newId } from '../core/ids/ids'
import { adminRoutes } from './api/admin/routes'
import { authRoutes } from './api/auth/routes'
import { consolePlugin } from './api/console'
import { fail } from './api/envelope'
import { handleError } from './api/errors'
import { integrationRoutes } from './api/integrations/routes'
import { opsRoutes } from './api/ops'
import { alertRoutes } from './api/opsgenie/alerts'
import { contactRoutes } from './api/opsgenie/contacts'
import { escalationRoutes } from './api/opsgenie/escalations'
import { heartbeatRoutes } from './api/opsgenie/heartbeats'
import { maintenanceRoutes } from './api/opsgenie/maintenance'
import { notificationRuleRoutes } from './api/opsgenie/notification-rules'
import { policyRoutes } from './api/opsgenie/policies'
import { routingRuleRoutes } from './api/opsgenie/routing-rules'
import { scheduleCalendarRoutes } from './api/opsgenie/schedule-calendar'
import { schedulePartRoutes } from './api/opsgenie/schedule-parts'
import { scheduleQueryRoutes } from './api/opsgenie/schedule-queries'
import { scheduleRoutes } from './api/opsgenie/schedules'
import { opsgenieTeamRoutes } from './api/opsgenie/teams'
import { opsgenieUserRoutes } from './api/opsgenie/users'
import { createAuthenticator } from './auth/authenticate'
import type { Principal } from './auth/principal'
import type { AppContext } from './context'
import { buildChannels } from './delivery/channels'
import { resolveDeliveryConfig } from './delivery/config'
import { DeliveryEngine } from './delivery/engine'
import type { AppDeps } from './deps'
import { EscalationEngine } from './engine/escalation/engine'
import { AlertRouter } from './engine/escalation/routing'
import { startHeartbeatSweeper } from './engine/heartbeats'
import { startHousekeeping } from './engine/housekeeping'
import { startSnoozeSweeper } from './engine/snooze-sweeper'
import { AlertService } from './ingest/alert-service'
import { GroupCommitWriter } from './ingest/group-commit'
import { createDesktopGateway, isAttachable } from './sync/desktop-gateway'
import { startSync } from './sync/server'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    /** Routes that answer without a session or key (health, login, docs, console). */
    public?: boolean
  }
}

/** Paths the API answers under; anything in front of them is a client's path prefix and is dropped. */
const PREFIX_ROOTS = ['/v1/', '/v2/', '/api/v1/']
const EXACT_ROOTS = [
  '/health',
  '/ready',
  '/metrics',
  '/console',
  '/api/docs',
  '/integrations/alertmanager',
  '/integrations/grafana',
  '/integrations/webhook',
]

function isRoot(path: string): boolean {
  return (
    PREFIX_ROOTS.some((r) => path.startsWith(r)) ||
    EXACT_ROOTS.some((r) => path === r || path.startsWith(`${r}/`))
  )
}

/**
 * Strips a path prefix such as `/opsgenie` from `/opsgenie/v2/alerts`: Alertmanager's api_url and Grafana's
 * apiUrl may carry one, as may a gateway mount (`/api/opsgenie/v2/alerts`). The longest suffix that is a
 * Vigil path wins, so `/x/v2/alerts/v1/…` keeps `/v2/alerts/v1/…`.
 */
export function stripPathPrefix(url: string): string {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (path === '/' || isRoot(path)) return url
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) {
    if (isRoot(path.slice(i))) return url.slice(i)
  }
  return url
}

/** Builds the whole HTTP application; the only place the server's parts are wired together. */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.bodyLimit,
    genReqId: () => newId(deps.clock.now()),
    requestIdHeader: false,
    rewriteUrl: (req) => stripPathPrefix(req.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Access logs come from the metrics hook; per-request log lines would cost more than the request.
    logController: new LogController({ disableRequestLogging: true }),
  })

  // Query strings and path parameters arrive as text and are coerced; bodies are JSON and are checked
  // exactly as sent, so `"message": 5` is an error rather than silently "5".
  const coercing = new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false })
  const exact = new Ajv({ allErrors: true, coerceTypes: false, strict: false })
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema))

  const writer = new GroupCommitWriter(deps.store, deps.metrics, deps.logger)
  const router = new AlertRouter(deps.clock)
  const escalation = new EscalationEngine(
    { store: deps.store, writer, clock: deps.clock, metrics: deps.metrics, logger: deps.logger },
    deps.config.escalationIntervalMs ?? 500,
  )
  const deliveryConfig = resolveDeliveryConfig(deps.config.delivery)
  // Desktop deliveries go over the sync server's sockets unless the caller injected a gateway.
  const desktop = deps.desktop ?? createDesktopGateway()
  const deliveryChannels = buildChannels(deliveryConfig, desktop, deps.clock)
  const ctx: AppContext = {
    ...deps,
    auth: createAuthenticator(deps),
    alerts: new AlertService(deps, writer, { router, changed: () => escalation.nudge() }),
    writer,
    escalation,
    router,
    delivery: new DeliveryEngine({
      store: deps.store,
      writer,
      clock: deps.clock,
      logger: deps.logger,
      config: deliveryConfig,
      channels: deliveryChannels.channels,
    }),
  }

  // Clients that forget the Content-Type still mean JSON: Opsgenie's API speaks nothing else.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch {
      const err = Object.assign(new Error('Could not parse the request body as JSON'), {
        statusCode: 400,
        code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      })
      done(err, undefined)
    }
  })

  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-ID', req.id)
    if (req.routeOptions.config.public || req.routeOptions.url === undefined) return
    const result = await ctx.auth.authenticate(req.headers.authorization)
    if ('status' in result) return fail(req, reply, result.status, result.message)
    req.principal = result
  })
  // Action bodies are optional in practice (curl -X POST …/close); validate an absent body as `{}`.
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH')) {
      req.body = {}
    }
  })
  app.addHook('onSend', async (req, reply) => {
    // A 2xx promises a durable write: whatever this request committed reaches the disk before it answers.
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') await deps.store.sync()
    reply.header('X-Response-Time', `${Math.round(reply.elapsedTime)}ms`)
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched'
    deps.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) })
    deps.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000)
  })

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: (req) =>
      req.principal?.kind === 'key' && req.principal.rateLimitPerMinute > 0
        ? req.principal.rateLimitPerMinute
        : deps.config.keyRateLimitPerMinute,
    keyGenerator: (req) =>
      req.principal?.kind === 'key'
        ? `key:${req.principal.integrationId}`
        : req.principal?.kind === 'user'
          ? `user:${req.principal.userId}`
          : `ip:${req.ip}`,
    allowList: (req) => req.routeOptions.config.public === true,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      message: `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
    }),
    addHeadersOnExceeding: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
    },
  })

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vigil API',
        version: '0.1.0',
        description: 'Opsgenie-compatible alert API and admin API',
      },
      components: {
        securitySchemes: {
          GenieKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'GenieKey <key>' },
          Session: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  })
  // Registered before the docs routes exist, so they are marked public as they are added.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config as object), public: true }
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } })

  app.setErrorHandler((err, req, reply) => handleError(err as Error, req, reply))
  app.setNotFoundHandler((req, reply) =>
    fail(req, reply, 404, `No route for ${req.method} ${req.url.split('?')[0]}`),
  )

  await app.register(async (scope) => {
    opsRoutes(scope, ctx)
    authRoutes(scope, ctx)
    adminRoutes(scope, ctx)
    alertRoutes(scope, ctx)
    heartbeatRoutes(scope, ctx)
    scheduleRoutes(scope, ctx)
    schedulePartRoutes(scope, ctx)
    scheduleQueryRoutes(scope, ctx)
    scheduleCalendarRoutes(scope, ctx)
    opsgenieUserRoutes(scope, ctx)
    opsgenieTeamRoutes(scope, ctx)
    contactRoutes(scope, ctx)
    notificationRuleRoutes(scope, ctx)
    escalationRoutes(scope, ctx)
    routingRuleRoutes(scope, ctx)
    policyRoutes(scope, ctx)
    maintenanceRoutes(scope, ctx)
    integrationRoutes(scope, ctx)
  })
  await app.register(consolePlugin, { dir: 'out/renderer' })

  const stopSweeper = startSnoozeSweeper(deps.store, writer, deps.clock, deps.logger)
  const stopHeartbeats = startHeartbeatSweeper(ctx, deps.clock, deps.logger)
  const stopHousekeeping = startHousekeeping(
    deps.store,
    deps.clock,
    { requestStatusMs: deps.config.requestRetentionMs },
    deps.logger,
  )
  ctx.delivery.start()
  escalation.start()
  app.addHook('onClose', async () => {
    await escalation.stop()
    await ctx.delivery.stop()
    deliveryChannels.close()
    stopSweeper()
    stopHeartbeats()
    stopHousekeeping()
    await writer.close()
  })
  // Replication over Socket.IO on the same HTTP server; sockets are closed before the server is.
  const sync = await startSync(ctx, app.server, isAttachable(desktop) ? { desktop } : {})
  app.addHook('preClose', async () => {
    await sync.close()
  })
  return { app, ctx }
}
