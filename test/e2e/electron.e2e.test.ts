// The real desktop app through Playwright's _electron. It needs the Electron binary, which cannot be
// downloaded on every machine (never here, and electron 45's installer wants Node 22.12+): without it,
// the suite is skipped with a one-line reason. console.e2e.test.ts covers the contract meanwhile.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateElectron } from '../../scripts/start'
import { consolePlugin } from '../../server/api/console'
import { ensureConsoleBuilt, RENDERER_DIR, ROOT } from './build'

const electronDir = join(ROOT, 'node_modules/electron')
const pathTxt = join(electronDir, 'path.txt')
const find = (overrideDistPath: string | undefined) =>
  locateElectron({
    electronDir,
    pathTxt: existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8') : undefined,
    overrideDistPath,
    exists: existsSync,
  })
// vitest.config.ts points ELECTRON_OVERRIDE_DIST_PATH nowhere as a download guard; a real install
// under node_modules/electron/dist still counts.
const override = find(process.env.ELECTRON_OVERRIDE_DIST_PATH)
const electron = override.ok ? override : find(undefined)

if (!electron.ok) console.warn(`electron.e2e: skipped: no Electron runtime (${electron.reason})`)

describe.skipIf(!electron.ok)('desktop app under Electron', () => {
  let server: FastifyInstance
  let base: string
  let app: ElectronApplication

  beforeAll(async () => {
    if (!electron.ok) return
    await ensureConsoleBuilt()
    server = Fastify()
    server.get('/health', async () => ({ result: 'ok' }))
    await server.register(consolePlugin, { dir: RENDERER_DIR })
    base = await server.listen({ host: '127.0.0.1', port: 0 })
    // The guard variable would point Electron's own lookups nowhere; the real binary is passed explicitly.
    const env = Object.fromEntries(
      Object.entries({ ...process.env, VIGIL_SERVER_URL: base }).filter(
        (e): e is [string, string] =>
          e[1] !== undefined && e[0] !== 'ELECTRON_OVERRIDE_DIST_PATH' && e[0] !== 'ELECTRON_RENDERER_URL',
      ),
    )
    app = await _electron.launch({ executablePath: electron.binary, args: [ROOT], env, cwd: ROOT })
  })
  afterAll(async () => {
    await app?.close()
    await server?.close()
  })

  it('opens one sandboxed console window on the server and reaches /health', async () => {
    const page = await app.firstWindow()
    await page.locator('[data-testid=connection-status][data-state=ok]').waitFor()
    expect(page.url()).toBe(`${base}/console/`)
    const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)
    expect(windows).toBe(1)
    // Sandboxed, no node integration, context isolation: the page sees neither require nor process.
    const page_ = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }))
    expect(page_).toEqual({ require: 'undefined', process: 'undefined' })
  })

  it('exposes window.vigil through the real preload and rejects bad IPC arguments in main', async () => {
    const page = await app.firstWindow()
    const result = await page.evaluate(async () => {
      const api = window.vigil
      if (!api) return { keys: [], url: '', error: '' }
      const error = await api.notify({ id: 'x', message: 'm', priority: 'P9' as never }).then(
        () => 'resolved',
        (err: Error) => err.message,
      )
      return { keys: Object.keys(api).sort(), url: await api.getServerUrl(), error }
    })
    expect(result.keys).toEqual(['getServerUrl', 'notify', 'onDeepLink'])
    expect(result.url).toBe(base)
    expect(result.error).toContain('invalid arguments for vigil:notify')
  })

  it('keeps the window on the console when the page tries to navigate away', async () => {
    const page = await app.firstWindow()
    await page.evaluate(() => {
      window.location.href = 'http://example.invalid/'
    })
    await page.waitForTimeout(500)
    expect(page.url()).toBe(`${base}/console/`)
  })
})
