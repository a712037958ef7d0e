import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { CONSOLE_CSP, consolePlugin, NOT_BUILT_MESSAGE } from '../../server/api/console'

const dirs: string[] = []
const built = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'assets'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="./assets/app-1.js"></script>',
  )
  writeFileSync(join(dir, 'assets/app-1.js'), 'console.log(1)')
  writeFileSync(join(dir, '.env'), 'SECRET=1')
  return dir
}

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A bare app with the same router option and the same public-route gate as server/app.ts. */
async function serve(dir: string, ignoreTrailingSlash: boolean) {
  app = Fastify({ routerOptions: { ignoreTrailingSlash } })
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config as { public?: boolean }
    if (!config.public && req.routeOptions.url !== undefined) return reply.code(401).send({ message: 'auth' })
  })
  await app.register(consolePlugin, { dir })
  return app
}

describe.each([false, true])('console plugin (ignoreTrailingSlash=%s)', (ignoreTrailingSlash) => {
  it('serves the built console publicly under /console/ with strict headers', async () => {
    const a = await serve(built(), ignoreTrailingSlash)
    const page = await a.inject('/console/')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('./assets/app-1.js')
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['cache-control']).toBe('no-cache')
    const asset = await a.inject('/console/assets/app-1.js')
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP)
  })

  it('redirects / and /console to /console/ (relative, for reverse proxies)', async () => {
    const a = await serve(built(), ignoreTrailingSlash)
    expect((await a.inject('/')).headers.location).toBe('console/')
    const r = await a.inject('/console?x=1')
    expect([r.statusCode, r.headers.location]).toEqual([301, 'console/?x=1'])
  })

  it('never serves dotfiles or files outside the build', async () => {
    const a = await serve(built(), ignoreTrailingSlash)
    expect((await a.inject('/console/.env')).statusCode).not.toBe(200)
    expect((await a.inject('/console/..%2f..%2fetc%2fpasswd')).statusCode).not.toBe(200)
    expect((await a.inject('/console/nope.js')).statusCode).toBe(404)
  })

  it('answers 503 with a clear message when the console was never built', async () => {
    const a = await serve(join(tmpdir(), 'vigil-no-such-dir'), ignoreTrailingSlash)
    for (const url of ['/console/', '/console/assets/app-1.js']) {
      const r = await a.inject(url)
      expect(r.statusCode).toBe(503)
      expect(r.json()).toEqual({ message: NOT_BUILT_MESSAGE })
    }
    expect(NOT_BUILT_MESSAGE).toBe('console not built: run npm run build')
  })
})

describe('CSP', () => {
  it('the meta fallback in index.html is the header policy minus frame-ancestors', () => {
    const html = readFileSync(join(import.meta.dirname, '../../src-renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    const header = CONSOLE_CSP.split('; ').filter((d) => !d.startsWith('frame-ancestors'))
    expect(meta?.split('; ')).toEqual(header)
    expect(CONSOLE_CSP).toContain("script-src 'self';")
    expect(CONSOLE_CSP).not.toMatch(/script-src[^;]*unsafe/)
  })
})
