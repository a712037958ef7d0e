import type { BrowserWindowConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { resolveConsoleTarget } from '../../src-main/config'
import { type ConsoleWindowLike, openConsoleWindow, RETRY_DELAY_MS } from '../../src-main/console-window'
import { createDeepLinkRouter } from '../../src-main/deep-link'
import { IPC } from '../../src-main/shared/ipc-contract'

// never[] parameters: any Electron listener signature is assignable, whatever its arguments.
type Listener = (...args: never[]) => void

/** A typed fake BrowserWindow that records what the module does and lets the test fire events. */
class FakeWindow implements ConsoleWindowLike {
  private winListeners = new Map<string, Listener>()
  private wcListeners = new Map<string, Listener>()
  loads: string[] = []
  sent: unknown[][] = []
  shown = 0
  focused = 0
  title = ''
  minimized = false
  constructor(readonly options: BrowserWindowConstructorOptions) {}
  readonly webContents = {
    id: 42,
    loadURL: async (url: string) => void this.loads.push(url),
    send: (channel: string, ...args: unknown[]) => void this.sent.push([channel, ...args]),
    on: (event: string, listener: Listener) => this.wcListeners.set(event, listener),
  }
  once(event: string, listener: Listener) {
    this.winListeners.set(event, listener)
  }
  on(event: string, listener: Listener) {
    this.winListeners.set(event, listener)
  }
  setTitle(title: string) {
    this.title = title
  }
  show() {
    this.shown++
  }
  focus() {
    this.focused++
  }
  isMinimized() {
    return this.minimized
  }
  restore() {
    this.minimized = false
  }
  fire(event: string, ...args: unknown[]) {
    this.winListeners.get(event)?.(...(args as never[]))
  }
  fireContents(event: string, ...args: unknown[]) {
    this.wcListeners.get(event)?.(...(args as never[]))
  }
}

const target = resolveConsoleTarget({}, { isPackaged: true })
if (!target.ok) throw new Error(target.error)

const setup = () => {
  let win: FakeWindow | undefined
  const scheduled: [() => void, number][] = []
  const trustedContents = new Set<number>()
  const deepLinks = createDeepLinkRouter()
  const handle = openConsoleWindow({
    create: (options) => {
      win = new FakeWindow(options)
      return win
    },
    target: target.value,
    preloadPath: '/app/out/preload/index.cjs',
    devTools: false,
    trustedContents,
    deepLinks,
    schedule: (fn, ms) => void scheduled.push([fn, ms]),
    log: vi.fn(),
  })
  if (!win) throw new Error('no window created')
  return { win, handle, scheduled, trustedContents, deepLinks }
}

describe('console window', () => {
  it('creates a secure window, trusts its contents and loads the console', () => {
    const { win, trustedContents } = setup()
    expect(win.options.webPreferences?.sandbox).toBe(true)
    expect(win.options.webPreferences?.preload).toBe('/app/out/preload/index.cjs')
    expect(trustedContents.has(42)).toBe(true)
    expect(win.loads).toEqual(['http://127.0.0.1:8080/console/'])
    win.fire('ready-to-show')
    expect(win.shown).toBe(1)
  })

  it('retries a failed main-frame load, ignoring aborted and subframe loads', () => {
    const { win, scheduled } = setup()
    win.fireContents('did-fail-load', {}, -3, 'ERR_ABORTED', 'x', true)
    win.fireContents('did-fail-load', {}, -102, 'ERR_CONNECTION_REFUSED', 'x', false)
    expect(scheduled).toHaveLength(0)
    win.fireContents('did-fail-load', {}, -102, 'ERR_CONNECTION_REFUSED', 'x', true)
    expect(scheduled.map(([, ms]) => ms)).toEqual([RETRY_DELAY_MS])
    expect(win.shown).toBe(1)
    expect(win.title).toContain('waiting for http://127.0.0.1:8080')
    scheduled[0]?.[0]()
    expect(win.loads).toHaveLength(2)
  })

  it('delivers deep links only to a loaded page', () => {
    const { win, deepLinks } = setup()
    deepLinks.push({ kind: 'alert', id: 'a1' })
    expect(win.sent).toEqual([])
    win.fireContents('did-finish-load')
    expect(win.sent).toEqual([[IPC.deepLink, { kind: 'alert', id: 'a1' }]])
    win.fireContents('did-start-loading')
    deepLinks.push({ kind: 'home' })
    expect(win.sent).toHaveLength(1)
  })

  it('forgets the window when closed: no more trust, reveals or retries', () => {
    const { win, handle, scheduled, trustedContents } = setup()
    win.minimized = true
    handle.reveal()
    expect([win.minimized, win.focused]).toEqual([false, 1])
    win.fire('closed')
    expect(trustedContents.size).toBe(0)
    handle.reveal()
    expect(win.focused).toBe(1)
    win.fireContents('did-fail-load', {}, -102, 'x', 'x', true)
    scheduled[0]?.[0]()
    expect(win.loads).toHaveLength(1)
  })
})
