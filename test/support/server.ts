import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { type Clock, systemClock } from '../../core/time/clock'
import { buildApp } from '../../server/app'
import { bootstrap } from '../../server/bootstrap'
import type { ServerConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import type { AppDeps } from '../../server/deps'
import { createMetrics } from '../../server/metrics'
import { postgresTestStore, sqliteTestStore, type TestStore } from './stores'

/** The owner every test server starts with. */
export const TEST_OWNER = { email: 'owner@vigil.test', password: 'correct horse battery staple' } as const
/** The bootstrap API key every test server accepts (`GenieKey <TEST_API_KEY>`). */
export const TEST_API_KEY = 'vgk_test-bootstrap-key-0123456789abcdef'

/** A running server on loopback plus what tests need to talk to it. */
export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string
  ctx: AppContext
  app: FastifyInstance
  /** The fresh store under the server (for direct assertions and for spawning a second instance). */
  testStore: TestStore
  /** A session token of the bootstrap owner (`Authorization: Bearer <ownerToken>`). */
  ownerToken: string
  /** The bootstrap API integration's key (`Authorization: GenieKey <apiKey>`). */
  apiKey: string
  /** The "Default" team the owner administers and the bootstrap key belongs to. */
  teamId: string
  close(): Promise<void>
}

/** The config a test server runs with; any field may be overridden. */
export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir: '.data-test',
    logLevel: 'silent',
    adminEmail: TEST_OWNER.email,
    adminPassword: TEST_OWNER.password,
    bootstrapApiKey: TEST_API_KEY,
    bodyLimit: 256 * 1024,
    keyRateLimitPerMinute: 10_000_000,
    sessionTtlMs: 12 * 3600_000,
    demo: false,
    requestRetentionMs: 48 * 3600_000,
    ...overrides,
  }
}

/** Opens a fresh store, builds and bootstraps the app, listens on 127.0.0.1:0 and logs the owner in over HTTP. */
export async function startTestServer(opts: {
  kind: 'sqlite' | 'postgres'
  clock?: Clock
  config?: Partial<ServerConfig>
}): Promise<TestServer> {
  const testStore = opts.kind === 'postgres' ? await postgresTestStore() : await sqliteTestStore()
  const config = testConfig({ dataDir: testStore.location.dataDir ?? '.data-test', ...opts.config })
  const deps: AppDeps = {
    store: testStore.store,
    clock: opts.clock ?? systemClock,
    config,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
  }
  let app: FastifyInstance | undefined
  try {
    const boot = await bootstrap(deps)
    const built = await buildApp(deps)
    app = built.app
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    if (!address || typeof address === 'string') throw new Error('test server has no TCP address')
    const url = `http://127.0.0.1:${address.port}`
    const ownerToken = await login(url, config.adminEmail, config.adminPassword ?? TEST_OWNER.password)
    const running = app
    return {
      url,
      ctx: built.ctx,
      app: running,
      testStore,
      ownerToken,
      apiKey: config.bootstrapApiKey ?? TEST_API_KEY,
      teamId: boot.teamId,
      async close() {
        await running.close()
        await testStore.dispose()
      },
    }
  } catch (err) {
    await app?.close().catch(() => {})
    await testStore.dispose().catch(() => {})
    throw err
  }
}

/** Logs in over HTTP and returns the session token; throws with the response body on failure. */
export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const body = (await res.json()) as { data?: { token?: string } }
  if (res.status !== 200 || !body.data?.token) {
    throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(body)}`)
  }
  return body.data.token
}

/** A small fetch wrapper for JSON APIs: `await api(url, 'POST', '/api/v1/teams', auth, body)`. */
export async function api<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  authorization?: string,
  body?: unknown,
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = {}
  if (authorization) headers.authorization = authorization
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers }
}
