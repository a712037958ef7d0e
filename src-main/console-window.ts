// The one console window: secure options, trusted-sender bookkeeping, deep-link delivery and
// reconnect-on-failure. Electron's BrowserWindow is injected through `create`.
import type { BrowserWindowConstructorOptions } from 'electron'
import type { ConsoleTarget } from './config'
import type { DeepLinkRouter } from './deep-link'
import { IPC } from './shared/ipc-contract'
import { consoleWindowOptions } from './window-options'

/** The part of Electron's `BrowserWindow` this module drives. */
export interface ConsoleWindowLike {
  readonly webContents: {
    readonly id: number
    loadURL(url: string): Promise<void>
    send(channel: string, ...args: unknown[]): void
    on(event: 'did-finish-load' | 'did-start-loading', listener: () => void): unknown
    on(
      event: 'did-fail-load',
      listener: (
        event: unknown,
        code: number,
        description: string,
        url: string,
        isMainFrame: boolean,
      ) => void,
    ): unknown
  }
  once(event: 'ready-to-show', listener: () => void): unknown
  on(event: 'closed', listener: () => void): unknown
  setTitle(title: string): void
  show(): void
  focus(): void
  isMinimized(): boolean
  restore(): void
}

export interface ConsoleWindowDeps {
  create(options: BrowserWindowConstructorOptions): ConsoleWindowLike
  target: ConsoleTarget
  preloadPath: string
  devTools: boolean
  /** Web contents ids whose IPC we accept; this module adds and removes its own. */
  trustedContents: Set<number>
  deepLinks: DeepLinkRouter
  schedule(fn: () => void, ms: number): void
  log(message: string): void
}

// Chromium's ERR_ABORTED: a navigation replaced by another one, not a failure worth retrying.
const ERR_ABORTED = -3
export const RETRY_DELAY_MS = 3000

export interface ConsoleWindow {
  window: ConsoleWindowLike
  /** Brings the window to the front (second instance, notification click). */
  reveal(): void
}

/** Creates the console window, loads the console and keeps retrying while the server is unreachable. */
export function openConsoleWindow(deps: ConsoleWindowDeps): ConsoleWindow {
  const win = deps.create(consoleWindowOptions({ preloadPath: deps.preloadPath, devTools: deps.devTools }))
  const contents = win.webContents
  const id = contents.id
  deps.trustedContents.add(id)
  let closed = false
  const load = () => {
    if (!closed) contents.loadURL(deps.target.pageUrl).catch(() => {}) // failures arrive as did-fail-load
  }

  win.once('ready-to-show', () => win.show())
  contents.on('did-start-loading', () => deps.deepLinks.detach())
  contents.on('did-finish-load', () => deps.deepLinks.attach((route) => contents.send(IPC.deepLink, route)))
  contents.on('did-fail-load', (_event, code, description, url, isMainFrame) => {
    if (!isMainFrame || code === ERR_ABORTED) return
    deps.log(`console failed to load ${url}: ${description} (${code}); retrying in ${RETRY_DELAY_MS} ms`)
    // ready-to-show never fires for a failed load; show the window so the user sees it is waiting.
    win.setTitle(`Vigil: waiting for ${deps.target.serverUrl}…`)
    win.show()
    deps.schedule(load, RETRY_DELAY_MS)
  })
  win.on('closed', () => {
    closed = true
    deps.trustedContents.delete(id)
    deps.deepLinks.detach()
  })
  load()

  return {
    window: win,
    reveal() {
      if (closed) return
      if (win.isMinimized()) win.restore()
      win.show()
      win.focus()
    },
  }
}
