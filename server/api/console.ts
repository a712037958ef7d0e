// Serves the built desktop console (electron-vite's out/renderer) to browsers and to the Electron window
// at /console/. Encapsulated on purpose: its headers, public-route marking and @fastify/static's reply
// decorators stay inside this plugin.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface ConsolePluginOptions {
  /** The renderer build output (absolute, or relative to the working directory), e.g. `out/renderer`. */
  dir: string
}

/**
 * The console's Content-Security-Policy, sent as a header (src-renderer/index.html carries the same
 * policy as a meta fallback, minus frame-ancestors which a meta tag cannot set). Mantine writes <style>
 * tags and style attributes at run time, hence style-src 'unsafe-inline'; scripts stay 'self' only.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

export const NOT_BUILT_MESSAGE = 'console not built: run npm run build'

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
}

const pathOf = (req: FastifyRequest) => req.url.split('?')[0] ?? req.url
const queryOf = (req: FastifyRequest) => (req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '')

/** Fastify plugin: GET / → /console/, the built console under /console/, a 503 if it was never built. */
export async function consolePlugin(app: FastifyInstance, opts: ConsolePluginOptions): Promise<void> {
  const dir = resolve(opts.dir)
  const built = existsSync(join(dir, 'index.html'))

  // Everything here is public: the page is static, and it authenticates itself against the API later.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), public: true } as typeof route.config
  })
  app.addHook('onSend', async (req, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value)
    // Hashed asset names change with every build, so they may be cached forever; the page must not be.
    const immutable = reply.statusCode === 200 && pathOf(req).startsWith('/console/assets/')
    reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
  })

  // Relative Location headers keep working behind a reverse proxy that adds a path prefix.
  if (!app.hasRoute({ method: 'GET', url: '/' })) {
    app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('console/', 302))
  }

  const notBuilt = (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(503).type('application/json; charset=utf-8').send({ message: NOT_BUILT_MESSAGE })

  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    // `/console` must become `/console/`, or the page's relative `./assets/…` URLs resolve to `/assets/…`.
    // With the app's ignoreTrailingSlash router both paths reach this handler, so look at the URL itself.
    if (!pathOf(req).endsWith('/')) return reply.redirect(`console/${queryOf(req)}`, 301)
    if (!built) return notBuilt(req, reply)
    try {
      const html = await readFile(join(dir, 'index.html'))
      return reply.type('text/html; charset=utf-8').send(html)
    } catch {
      // Deleted after start-up (a rebuild in progress): same answer as never built.
      return notBuilt(req, reply)
    }
  }
  app.get('/console/', { schema: { hide: true } }, index)
  // Routers without ignoreTrailingSlash need `/console` as a route of its own.
  if (!app.hasRoute({ method: 'GET', url: '/console' }))
    app.get('/console', { schema: { hide: true } }, index)

  if (!built) {
    app.get('/console/*', { schema: { hide: true } }, notBuilt)
    return
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    // Only files: '/console/' itself is the handler above; directory listings and index fallbacks are off.
    index: false,
    redirect: false,
    wildcard: true,
    decorateReply: false,
    dotfiles: 'deny',
    cacheControl: false,
  })
}
