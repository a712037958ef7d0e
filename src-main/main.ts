// Composition root of the Electron main process: the only module (with the preload) that imports
// `electron` at run time. It wires real Electron objects into the small, separately tested modules and
// holds no logic of its own beyond the order of these calls.
import { join } from 'node:path'
import { app, BrowserWindow, ipcMain, Notification, session, shell } from 'electron'
import { resolveConsoleTarget } from './config'
import { type ConsoleWindow, openConsoleWindow } from './console-window'
import { createDeepLinkRouter, DEEP_LINK_SCHEME, deepLinkFromArgv, parseDeepLink } from './deep-link'
import { registerConsoleHandlers } from './handlers'
import { createIpcRegistry } from './ipc'
import { guardContents } from './navigation'
import { createNotifier } from './notifications'
import { installPermissionHandlers } from './permissions'

// Must equal the packager's appId, or Windows toasts neither show nor route clicks (notes §3).
const APP_USER_MODEL_ID = 'org.vigil.console'

const log = (message: string) => console.log(`vigil-main: ${message}`)

const resolved = resolveConsoleTarget(process.env, { isPackaged: app.isPackaged })
if (!resolved.ok) {
  console.error(`vigil-main: ${resolved.error}`)
  app.exit(2)
} else if (!app.requestSingleInstanceLock()) {
  // A second launch hands its argv (and any deep link) to the first instance, then leaves.
  app.quit()
} else {
  start(resolved.value)
}

function start(target: Extract<ReturnType<typeof resolveConsoleTarget>, { ok: true }>['value']): void {
  const deepLinks = createDeepLinkRouter()
  const trustedContents = new Set<number>()
  let consoleWindow: ConsoleWindow | undefined

  // macOS delivers deep links through open-url, possibly before ready: register first, buffer in the router.
  app.on('open-url', (event, url) => {
    event.preventDefault()
    const route = parseDeepLink(url)
    if (route) deepLinks.push(route)
    consoleWindow?.reveal()
  })
  const initialRoute = deepLinkFromArgv(process.argv)
  if (initialRoute) deepLinks.push(initialRoute)

  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID)
  // Registering from an unpackaged run would make the OS open links with the bare Electron binary.
  if (app.isPackaged) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME)

  // Covers every web contents, including ones we never created ourselves (security checklist §10).
  app.on('web-contents-created', (_event, contents) =>
    guardContents(contents, { app: target.app, openExternal: (url) => shell.openExternal(url), log }),
  )

  app.on('second-instance', (_event, argv) => {
    const route = deepLinkFromArgv(argv)
    if (route) deepLinks.push(route)
    consoleWindow?.reveal()
  })

  const openWindow = () => {
    consoleWindow = openConsoleWindow({
      create: (options) => new BrowserWindow(options),
      target,
      preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
      devTools: !app.isPackaged,
      trustedContents,
      deepLinks,
      schedule: (fn, ms) => setTimeout(fn, ms),
      log,
    })
    consoleWindow.window.on('closed', () => {
      consoleWindow = undefined
    })
  }

  app.whenReady().then(() => {
    installPermissionHandlers(session.defaultSession, target.app)

    const notifier = createNotifier({
      isSupported: () => Notification.isSupported(),
      create: (options) => new Notification(options),
      onClick: (alertId) => {
        consoleWindow?.reveal()
        deepLinks.push({ kind: 'alert', id: alertId })
      },
    })
    const registry = createIpcRegistry(
      { app: target.app, isTrustedContents: (id) => trustedContents.has(id) },
      log,
    )
    registerConsoleHandlers(registry, { apiBaseUrl: target.apiBaseUrl, notifier })
    registry.bind(ipcMain)

    log(`loading ${target.pageUrl}`)
    openWindow()
    // macOS: clicking the dock icon with no window open brings the console back.
    app.on('activate', () => {
      if (!consoleWindow) openWindow()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
