import { describe, expect, it, vi } from 'vitest'
import { registerConsoleHandlers } from '../../src-main/handlers'
import { checkSender, createIpcRegistry, type IpcMainLike, type IpcSenderEvent } from '../../src-main/ipc'
import type { Notifier } from '../../src-main/notifications'
import {
  type AlertNotice,
  ARG_VALIDATORS,
  INVOKE_CHANNELS,
  IPC,
  LIMITS,
  validateAlertNotice,
  validateDeepLinkRoute,
} from '../../src-main/shared/ipc-contract'
import { appLocationOf } from '../../src-main/url-guard'

const app = appLocationOf('http://127.0.0.1:8080/console/')
const policy = { app, isTrustedContents: (id: number) => id === 7 }
const event = (over: Partial<IpcSenderEvent> = {}): IpcSenderEvent => ({
  sender: { id: 7 },
  senderFrame: { url: 'http://127.0.0.1:8080/console/', parent: null },
  ...over,
})
const alert: AlertNotice = { id: 'a-1', message: 'Disk full on db-1', priority: 'P1' }

describe('contract validators', () => {
  it('accepts a valid alert and drops unknown keys', () => {
    expect(validateAlertNotice({ ...alert, description: 'x', extra: { big: 1 } })).toEqual({
      ok: true,
      value: { ...alert, description: 'x' },
    })
  })

  it.each([
    [null, 'alert must be an object'],
    [[alert], 'alert must be an object'],
    [{ ...alert, id: '' }, 'alert.id'],
    [{ ...alert, id: 'a/../b' }, 'alert.id'],
    [{ ...alert, id: 'x'.repeat(LIMITS.id + 1) }, 'alert.id'],
    [{ ...alert, message: '   ' }, 'alert.message'],
    [{ ...alert, message: 'x'.repeat(LIMITS.message + 1) }, 'alert.message'],
    [{ ...alert, priority: 'P0' }, 'alert.priority'],
    [{ ...alert, priority: undefined }, 'alert.priority'],
    [{ ...alert, description: 5 }, 'alert.description'],
  ])('rejects %j', (input, error) => {
    const result = validateAlertNotice(input)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toContain(error)
  })

  it('checks positional arguments strictly', () => {
    expect(ARG_VALIDATORS[IPC.getServerUrl]([])).toEqual({ ok: true, value: [] })
    expect(ARG_VALIDATORS[IPC.getServerUrl](['x']).ok).toBe(false)
    expect(ARG_VALIDATORS[IPC.notify]([alert]).ok).toBe(true)
    expect(ARG_VALIDATORS[IPC.notify]([]).ok).toBe(false)
    expect(ARG_VALIDATORS[IPC.notify]([alert, alert]).ok).toBe(false)
  })

  it('validates deep-link routes sent to the page', () => {
    expect(validateDeepLinkRoute({ kind: 'alert', id: 'a-1', x: 1 })).toEqual({
      ok: true,
      value: { kind: 'alert', id: 'a-1' },
    })
    expect(validateDeepLinkRoute({ kind: 'home' }).ok).toBe(true)
    expect(validateDeepLinkRoute({ kind: 'alert', id: '<script>' }).ok).toBe(false)
    expect(validateDeepLinkRoute('home').ok).toBe(false)
  })

  it('keeps payloads structured-clone safe (what real Electron IPC does to them)', () => {
    const payloads = [alert, { ...alert, description: 'd' }, { shown: true }, { kind: 'alert', id: 'a' }]
    for (const p of payloads) expect(structuredClone(p)).toEqual(p)
  })
})

describe('sender check', () => {
  it('accepts the top frame of a trusted window on a console page', () => {
    expect(checkSender(event(), policy)).toEqual({ ok: true, value: true })
  })

  it.each([
    ['an unknown window', event({ sender: { id: 8 } }), 'not a Vigil window'],
    ['a destroyed frame', event({ senderFrame: null }), 'frame is gone'],
    ['a subframe', event({ senderFrame: { url: 'http://127.0.0.1:8080/console/', parent: {} } }), 'subframe'],
    [
      'another origin',
      event({ senderFrame: { url: 'https://evil.example/', parent: null } }),
      'not a console page',
    ],
    [
      'another page of the server',
      event({ senderFrame: { url: 'http://127.0.0.1:8080/api/docs', parent: null } }),
      'not a console page',
    ],
  ])('rejects %s', (_name, ev, error) => {
    const result = checkSender(ev, policy)
    expect(!result.ok && result.error).toContain(error)
  })
})

describe('registry with the console handlers', () => {
  const setup = () => {
    const log = vi.fn()
    const registry = createIpcRegistry(policy, log)
    const notifier: Notifier = { show: vi.fn(() => ({ shown: true })), liveCount: () => 0 }
    registerConsoleHandlers(registry, { apiBaseUrl: 'http://127.0.0.1:8080', notifier })
    return { registry, notifier, log }
  }

  it('has exactly one handler per invoke channel of the contract', () => {
    const { registry } = setup()
    expect(registry.channels().sort()).toEqual([...INVOKE_CHANNELS].sort())
    expect(() => registry.handle(IPC.notify, () => ({ shown: false }))).toThrow('registered twice')
  })

  it('runs handlers for trusted senders with validated arguments', async () => {
    const { registry, notifier } = setup()
    await expect(registry.invoke(IPC.getServerUrl, event(), [])).resolves.toBe('http://127.0.0.1:8080')
    await expect(registry.invoke(IPC.notify, event(), [{ ...alert, junk: 1 }])).resolves.toEqual({
      shown: true,
    })
    expect(notifier.show).toHaveBeenCalledWith(alert)
  })

  it('rejects bad arguments before the handler runs', async () => {
    const { registry, notifier } = setup()
    await expect(registry.invoke(IPC.notify, event(), [{ ...alert, priority: 'urgent' }])).rejects.toThrow(
      'invalid arguments for vigil:notify: alert.priority',
    )
    expect(notifier.show).not.toHaveBeenCalled()
  })

  it('rejects untrusted senders and unknown channels, and logs the rejection', async () => {
    const { registry, notifier, log } = setup()
    await expect(registry.invoke(IPC.notify, event({ sender: { id: 99 } }), [alert])).rejects.toThrow(
      'rejected',
    )
    await expect(registry.invoke('vigil:shell-exec', event(), [])).rejects.toThrow('unknown IPC channel')
    expect(notifier.show).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledWith('rejected vigil:notify: sender is not a Vigil window')
  })

  it('binds every channel to ipcMain through the same gate', async () => {
    const { registry } = setup()
    const bound = new Map<string, (e: IpcSenderEvent, ...args: unknown[]) => unknown>()
    const ipcMain: IpcMainLike = { handle: (channel, listener) => void bound.set(channel, listener) }
    registry.bind(ipcMain)
    expect([...bound.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort())
    await expect(bound.get(IPC.getServerUrl)?.(event())).resolves.toBe('http://127.0.0.1:8080')
    await expect(bound.get(IPC.getServerUrl)?.(event({ senderFrame: null }))).rejects.toThrow('frame is gone')
  })
})
