// The preload ↔ renderer ↔ main contract in a real Chromium (notes §4, layer 3): the BUILT renderer,
// served by the real console plugin, with the BUILT preload evaluated in the page against a fake
// `electron` module whose ipcRenderer.invoke reaches the real main-process handler registry.
// Not covered here (needs the Electron binary, see electron.e2e.test.ts): the sandbox, context
// isolation and Electron's own IPC serialisation.
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { consolePlugin } from '../../server/api/console'
import { resolveConsoleTarget } from '../../src-main/config'
import { createDeepLinkRouter } from '../../src-main/deep-link'
import { registerConsoleHandlers } from '../../src-main/handlers'
import { createIpcRegistry } from '../../src-main/ipc'
import { createNotifier, type NotificationOptions } from '../../src-main/notifications'
import type { VigilApi } from '../../src-main/shared/ipc-contract'
import { describeWithChromium, launchChromium } from '../support/chromium'
import { ensureConsoleBuilt, PRELOAD_FILE, RENDERER_DIR } from './build'

const WEB_CONTENTS_ID = 1
const run = describeWithChromium('console.e2e')

/** In-page shim: a fake `electron` for the CJS preload bundle, and a hook for main → renderer sends. */
const shim = (preloadSource: string) => `(() => {
  const listeners = new Map()
  window.__vigilEmit = (channel, payload) => {
    for (const l of listeners.get(channel) || []) l({ sender: 'not for the page' }, payload)
  }
  const electron = {
    contextBridge: { exposeInMainWorld: (key, api) => { window[key] = Object.freeze(api) } },
    ipcRenderer: {
      invoke: (channel, ...args) => window.__vigilInvoke(channel, args),
      on: (channel, l) => { listeners.set(channel, [...(listeners.get(channel) || []), l]) },
    },
  }
  const require = (name) => {
    if (name === 'electron') return electron
    throw new Error('a sandboxed preload cannot require ' + name)
  }
  const module = { exports: {} }
  // The bundle declares its own 'electron' binding, hence a function scope of its own.
  ;(function (require, module, exports) {\n${preloadSource}\n})(require, module, module.exports)
})()`

/** The shim's main → renderer hook, typed locally rather than added to the global Window type. */
type ShimWindow = { __vigilEmit(channel: string, payload: unknown): void }

run('console in Chromium with the built preload', () => {
  let server: FastifyInstance
  let base: string
  let browser: Browser
  // One context for all pages: creating a context costs about a second on a small CI machine.
  let context: BrowserContext
  let healthStatus = 200
  const notifications: NotificationOptions[] = []
  const pageErrors: string[] = []

  beforeAll(async () => {
    await ensureConsoleBuilt()
    server = Fastify()
    server.get('/health', async (_req, reply) => reply.code(healthStatus).send({ result: 'ok' }))
    await server.register(consolePlugin, { dir: RENDERER_DIR })
    base = await server.listen({ host: '127.0.0.1', port: 0 })
    browser = await launchChromium()
    context = await browser.newContext()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /** Opens the console like the Electron window would: preload evaluated, IPC wired to real main handlers. */
  async function openDesktopPage(): Promise<Page> {
    const target = resolveConsoleTarget({ VIGIL_SERVER_URL: base }, { isPackaged: true })
    if (!target.ok) throw new Error(target.error)
    const registry = createIpcRegistry({
      app: target.value.app,
      isTrustedContents: (id) => id === WEB_CONTENTS_ID,
    })
    const notifier = createNotifier({
      isSupported: () => true,
      create: (options) => {
        notifications.push(options)
        return { show() {}, close() {}, on() {} }
      },
      onClick: () => {},
    })
    registerConsoleHandlers(registry, { apiBaseUrl: target.value.apiBaseUrl, notifier })

    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    page.on(
      'console',
      (msg) => msg.type() === 'error' && pageErrors.push(`${msg.text()} ${msg.location().url}`),
    )
    // The fake sender carries the page's real URL, so the main-side sender check runs for real.
    await page.exposeFunction('__vigilInvoke', (channel: string, args: unknown[]) =>
      registry.invoke(
        channel,
        { sender: { id: WEB_CONTENTS_ID }, senderFrame: { url: page.url(), parent: null } },
        args,
      ),
    )
    await page.addInitScript({ content: shim(readFileSync(PRELOAD_FILE, 'utf8')) })
    await page.goto(`${base}/console/`)
    return page
  }

  it('renders the console, reaches the server and exposes only the task API', async () => {
    const page = await openDesktopPage()
    await expect(page.locator('h1').textContent()).resolves.toBe('Vigil')
    const status = page.locator('[data-testid=connection-status][data-state=ok]')
    await status.waitFor()
    await expect(status.textContent()).resolves.toContain(base)
    await page.locator('[data-testid=alert-list]').waitFor()
    const api = await page.evaluate(() => ({
      keys: Object.keys(window.vigil ?? {}).sort(),
      frozen: Object.isFrozen(window.vigil),
      node: typeof (window as unknown as { require?: unknown }).require,
    }))
    expect(api).toEqual({ keys: ['getServerUrl', 'notify', 'onDeepLink'], frozen: true, node: 'undefined' })
    await page.close()
  })

  it('a preload call reaches the real main handler, which validates its argument', async () => {
    const page = await openDesktopPage()
    const before = notifications.length
    await page.locator('[data-testid=test-notification]').click()
    await expect(page.locator('[data-testid=notify-result]').textContent()).resolves.toBe(
      'notification shown',
    )
    expect(notifications.slice(before)).toEqual([
      {
        title: '[P3] Test notification from Vigil',
        body: '',
        urgency: 'normal',
        timeoutType: 'default',
        silent: false,
      },
    ])

    const rejected = await page.evaluate(() =>
      (window.vigil as VigilApi).notify({ id: 'x', message: 'm', priority: 'P9' as never }).then(
        () => 'resolved',
        (err: Error) => err.message,
      ),
    )
    expect(rejected).toContain('invalid arguments for vigil:notify: alert.priority')
    expect(notifications).toHaveLength(before + 1)
    await page.close()
  })

  it('delivers a main-process deep link to the page', async () => {
    const page = await openDesktopPage()
    await page.locator('[data-testid=test-notification]').waitFor() // React has subscribed by now
    const router = createDeepLinkRouter()
    router.push({ kind: 'alert', id: 'A-42' })
    router.attach(
      (route) =>
        void page.evaluate((r) => (window as unknown as ShimWindow).__vigilEmit('vigil:deep-link', r), route),
    )
    await expect(page.locator('[data-testid=deep-link]').textContent()).resolves.toBe('Opened alert A-42')
    await page.close()
  })

  it('works in a plain browser without the preload, and shows an unhealthy server', async () => {
    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.goto(`${base}/console/`)
    await page.locator('[data-testid=connection-status][data-state=ok]').waitFor()
    await expect(page.locator('[data-testid=test-notification]').count()).resolves.toBe(0)
    healthStatus = 503
    try {
      await page.reload()
      const status = page.locator('[data-testid=connection-status][data-state=unreachable]')
      await status.waitFor()
      await expect(status.textContent()).resolves.toContain('HTTP 503')
    } finally {
      healthStatus = 200
      await page.close()
    }
  })

  it('raised no page errors or CSP violations', () => {
    // The 503 health check logs a failed-resource error by design; anything else is a regression.
    expect(pageErrors.filter((e) => !/status of 503/.test(e))).toEqual([])
  })
})
