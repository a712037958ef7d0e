import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'
import { filter, firstValueFrom, type Observable } from 'rxjs'
import { build } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import { weeklyScheduleBody } from '../server/sync-client-fixtures'
import { describeWithChromium, launchChromium } from '../support/chromium'
import { api, startTestServer, type TestServer } from '../support/server'

const run = describeWithChromium('sync.e2e')

const until = <T>(obs$: Observable<T>, pred: (v: T) => boolean): Promise<T> =>
  firstValueFrom(obs$.pipe(filter(pred)))

/** Bundles test/e2e/sync-page.ts (and so src-renderer/db) into one browser ES module. */
async function bundlePage(): Promise<string> {
  const root = resolve(import.meta.dirname, '../..')
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    root,
    define: { 'process.env.NODE_ENV': '"development"' },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: resolve(import.meta.dirname, 'sync-page.ts'), formats: ['es'], fileName: 'sync-page' },
    },
  })
  const result = (Array.isArray(out) ? out[0] : out) as { output: Array<{ type: string; code?: string }> }
  const chunk = result.output.find((o) => o.type === 'chunk')
  if (!chunk?.code) throw new Error('vite produced no chunk for sync-page.ts')
  return chunk.code
}

/** Serves the page and its bundle from another origin than the server's, as a packaged app would be. */
async function servePage(bundle: string): Promise<{ url: string; server: Server }> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>sync e2e</title><script type="module" src="/sync-page.js"></script>'
  const server = createServer((req, res) => {
    if (req.url === '/sync-page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html)
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

run('sync client in Chromium against the real server', () => {
  let srv: TestServer
  let page: Page
  let browser: Browser
  let context: BrowserContext
  let pageServer: Server
  let node: VigilDatabase
  const pageErrors: string[] = []
  let pageUrl = ''
  let scheduleId = ''

  beforeAll(async () => {
    const [bundle, server] = await Promise.all([bundlePage(), startTestServer({ kind: 'sqlite' })])
    srv = server
    const served = await servePage(bundle)
    pageServer = served.server
    browser = await launchChromium()
    context = await browser.newContext()
    // RxDB dev-mode adds a tracking iframe to rxdb.info; a test never leaves loopback.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    pageUrl = served.url
    page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.goto(served.url)
    await page.waitForFunction(() => window.syncPage !== undefined)
    await page.evaluate(([url, token]) => window.syncPage.start(url, token, 'vigil-e2e'), [
      srv.url,
      srv.ownerToken,
    ] as const)
  })
  afterAll(async () => {
    await node?.close()
    await browser?.close()
    await new Promise((r) => pageServer?.close(r))
    await srv?.close()
  })

  it('receives an alert created over HTTP', async () => {
    await page.evaluate(() => window.syncPage.waitForStatus('online'))
    expect(await page.evaluate(() => window.syncPage.isLeader())).toBe(true)
    const created = await api<{ requestId: string }>(
      srv.url,
      'POST',
      '/v2/alerts',
      `GenieKey ${srv.apiKey}`,
      {
        message: 'disk full on db-1',
        alias: 'disk-db-1',
        priority: 'P2',
      },
    )
    expect(created.status).toBe(202)
    expect(await page.evaluate(() => window.syncPage.waitForAlerts('disk-db-1'))).toEqual([
      expect.objectContaining({
        alias: 'disk-db-1',
        message: 'disk full on db-1',
        priority: 'P2',
        status: 'open',
      }),
    ])
  })

  it('merges an offline page edit with an online edit from another client and lists the conflict', async () => {
    const created = await api<{ data: { id: string } }>(
      srv.url,
      'POST',
      '/v2/schedules',
      `Bearer ${srv.ownerToken}`,
      weeklyScheduleBody('primary', srv.teamId),
    )
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const id = created.body.data.id
    scheduleId = id

    node = await createVigilDatabase({
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
      url: srv.url,
      token: srv.ownerToken,
      name: 'nodeclient',
      multiInstance: false,
      retryTime: 200,
      retentionIntervalMs: 0,
    })
    await until(node.db.schedules.findOne(id).$, (d) => d !== null)
    await page.evaluate((sid) => window.syncPage.waitForSchedule(sid), id)

    await context.setOffline(true)
    await page.evaluate(() => window.syncPage.waitForStatus('offline'))
    await page.evaluate(
      (sid) => window.syncPage.patchSchedule(sid, { name: 'from the page', description: 'page note' }),
      id,
    )
    await page.evaluate(() => window.syncPage.waitForStatus('offline', 1))

    await node.db.schedules.findOne(id).patch({ name: 'from node', enabled: false })
    await until(node.status$, (s) => s.state === 'online' && s.pending === 0)

    await context.setOffline(false)
    await page.evaluate(() => window.syncPage.waitForStatus('online', 0))
    const expected = { name: 'from node', description: 'page note', enabled: false }
    await until(node.db.schedules.findOne(id).$, (d) => d?.description === 'page note')
    expect((await node.db.schedules.findOne(id).exec())?.toJSON()).toMatchObject(expected)
    expect(
      await page.evaluate(([sid, want]) => window.syncPage.waitForSchedule(sid, want), [
        id,
        expected,
      ] as const),
    ).toMatchObject(expected)
    const conflicts = await page.evaluate(() => window.syncPage.conflicts())
    expect(conflicts).toEqual([
      expect.objectContaining({
        collection: 'schedules',
        docId: id,
        field: 'name',
        base: 'primary',
        mine: 'from the page',
        theirs: 'from node',
      }),
    ])
  })

  it('a second window (the wallboard) shares the store and the status, but does not replicate', async () => {
    const wallboard = await context.newPage()
    wallboard.on('pageerror', (err) => pageErrors.push(err.message))
    await wallboard.goto(pageUrl)
    await wallboard.waitForFunction(() => window.syncPage !== undefined)
    await wallboard.evaluate(([url, token]) => window.syncPage.start(url, token, 'vigil-e2e'), [
      srv.url,
      srv.ownerToken,
    ] as const)
    expect(await wallboard.evaluate(() => window.syncPage.isLeader())).toBe(false)
    // Data and status come from the leader through the shared IndexedDB.
    expect(await wallboard.evaluate(() => window.syncPage.waitForAlerts('disk-db-1'))).toHaveLength(1)
    expect(await wallboard.evaluate(() => window.syncPage.waitForStatus('online', 0))).toEqual({
      state: 'online',
      pending: 0,
    })
    // An edit in the wallboard is pushed by the leader (the console page) and reaches the other client.
    await wallboard.evaluate(
      (sid) => window.syncPage.patchSchedule(sid, { description: 'from the wallboard' }),
      scheduleId,
    )
    await until(node.db.schedules.findOne(scheduleId).$, (d) => d?.description === 'from the wallboard')
    await wallboard.close()
  })

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
