// Loads the real composition root (src-main/main.ts) against a fake `electron` module: proves the wiring
// (security handlers, IPC, window, deep links) without the Electron binary.
import { describe, expect, it, vi } from 'vitest'
import { INVOKE_CHANNELS, IPC } from '../../src-main/shared/ipc-contract'

type Listener = (...args: unknown[]) => unknown

const fake = vi.hoisted(() => {
  const appListeners = new Map<string, Listener>()
  const handlers = new Map<string, Listener>()
  const windows: FakeWindow[] = []
  const session: Record<string, unknown> = {}
  class FakeWindow {
    listeners = new Map<string, Listener>()
    contentsListeners = new Map<string, Listener>()
    loads: string[] = []
    sent: unknown[][] = []
    webContents = {
      id: 1,
      loadURL: async (url: string) => void this.loads.push(url),
      send: (...args: unknown[]) => void this.sent.push(args),
      on: (event: string, l: Listener) => this.contentsListeners.set(event, l),
    }
    constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
      windows.push(this)
    }
    once(event: string, l: Listener) {
      this.listeners.set(event, l)
    }
    on(event: string, l: Listener) {
      this.listeners.set(event, l)
    }
    setTitle() {}
    show() {}
    focus() {}
    isMinimized() {
      return false
    }
    restore() {}
  }
  return { appListeners, handlers, windows, session, FakeWindow, openExternal: vi.fn() }
})

vi.mock('electron', () => ({
  app: {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    on: (event: string, l: Listener) => fake.appListeners.set(event, l),
    whenReady: () => Promise.resolve(),
    setAppUserModelId: vi.fn(),
    setAsDefaultProtocolClient: vi.fn(),
    exit: vi.fn(),
    quit: vi.fn(),
  },
  BrowserWindow: fake.FakeWindow,
  ipcMain: { handle: (channel: string, l: Listener) => fake.handlers.set(channel, l) },
  Notification: { isSupported: () => false },
  session: {
    defaultSession: {
      setPermissionRequestHandler: (h: unknown) => {
        fake.session.request = h
      },
      setPermissionCheckHandler: (h: unknown) => {
        fake.session.check = h
      },
      setDevicePermissionHandler: (h: unknown) => {
        fake.session.device = h
      },
    },
  },
  shell: { openExternal: fake.openExternal },
}))

describe('main.ts composition root', async () => {
  vi.stubEnv('VIGIL_SERVER_URL', 'http://127.0.0.1:9123')
  vi.stubEnv('ELECTRON_RENDERER_URL', '')
  vi.spyOn(console, 'log').mockImplementation(() => {})
  await import('../../src-main/main')
  await new Promise((r) => setTimeout(r, 0)) // let whenReady().then run

  it('installs guards, permission handlers and exactly the contract IPC handlers', () => {
    expect(fake.appListeners.has('web-contents-created')).toBe(true)
    expect(fake.appListeners.has('open-url')).toBe(true)
    expect(fake.appListeners.has('second-instance')).toBe(true)
    expect(Object.keys(fake.session).sort()).toEqual(['check', 'device', 'request'])
    expect([...fake.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort())
  })

  it('opens one secure console window on the server URL', () => {
    expect(fake.windows).toHaveLength(1)
    const win = fake.windows[0]
    expect(win?.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    })
    expect(String(win?.options.webPreferences?.preload)).toMatch(/\/preload\/index\.cjs$/) // ../preload from out/main in the build
    expect(win?.loads).toEqual(['http://127.0.0.1:9123/console/'])
  })

  it('answers IPC from its own window only', async () => {
    const ok = { sender: { id: 1 }, senderFrame: { url: 'http://127.0.0.1:9123/console/', parent: null } }
    await expect(fake.handlers.get(IPC.getServerUrl)?.(ok)).resolves.toBe('http://127.0.0.1:9123')
    await expect(fake.handlers.get(IPC.getServerUrl)?.({ ...ok, sender: { id: 2 } })).rejects.toThrow(
      'rejected',
    )
    await expect(
      fake.handlers.get(IPC.notify)?.(ok, { id: 'a', message: 'm', priority: 'P1' }),
    ).resolves.toEqual({
      shown: false,
    })
  })

  it('guards every new web contents and routes second-instance deep links to the page', () => {
    const contents = { on: vi.fn(), setWindowOpenHandler: vi.fn() }
    fake.appListeners.get('web-contents-created')?.({}, contents)
    expect(contents.on.mock.calls.map(([event]) => event)).toContain('will-navigate')
    expect(contents.setWindowOpenHandler).toHaveBeenCalled()

    const win = fake.windows[0]
    win?.contentsListeners.get('did-finish-load')?.()
    fake.appListeners.get('second-instance')?.({}, ['/opt/vigil', 'vigil://alert/A-7'])
    expect(win?.sent).toEqual([[IPC.deepLink, { kind: 'alert', id: 'A-7' }]])
  })
})
