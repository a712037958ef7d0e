import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC, type VigilApi } from '../../src-main/shared/ipc-contract'

// The preload imports 'electron' at run time; without this mock, loading it would try to download the binary.
const fake = vi.hoisted(() => {
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>()
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    invoke: vi.fn(async (channel: string, ..._args: unknown[]) =>
      channel === 'vigil:get-server-url' ? 'http://s' : { shown: true },
    ),
    emit: (channel: string, ...args: unknown[]) => listeners.get(channel)?.({ sender: 'secret' }, ...args),
  }
})
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  ipcRenderer: {
    invoke: fake.invoke,
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) =>
      fake.listeners.set(channel, listener),
  },
}))

const { createVigilApi } = await import('../../src-main/preload')

describe('preload', () => {
  beforeEach(() => fake.invoke.mockClear())

  it('exposes window.vigil with task-level functions only', () => {
    const api = fake.exposed.get('vigil') as Record<string, unknown>
    expect(Object.keys(api).sort()).toEqual(['getServerUrl', 'notify', 'onDeepLink'])
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('maps each function to its contract channel', async () => {
    const api = fake.exposed.get('vigil') as VigilApi
    await expect(api.getServerUrl()).resolves.toBe('http://s')
    const alert = { id: 'a', message: 'm', priority: 'P2' as const }
    await expect(api.notify(alert)).resolves.toEqual({ shown: true })
    expect(fake.invoke.mock.calls).toEqual([[IPC.getServerUrl], [IPC.notify, alert]])
  })

  it('delivers validated deep links without the IPC event, buffering until subscribed', () => {
    const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>()
    const api = createVigilApi({ invoke: fake.invoke, on: (channel, l) => listeners.set(channel, l) })
    const emit = (route: unknown) => listeners.get(IPC.deepLink)?.({ sender: 'secret' }, route)
    emit({ kind: 'alert', id: 'early' })
    emit({ kind: 'alert', id: '../../etc' }) // invalid: dropped
    const seen: unknown[][] = []
    const unsubscribe = api.onDeepLink((...args) => seen.push(args))
    emit({ kind: 'home' })
    unsubscribe()
    emit({ kind: 'alert', id: 'late' })
    expect(seen).toEqual([[{ kind: 'alert', id: 'early' }], [{ kind: 'home' }]])
    expect(() => api.onDeepLink('nope' as never)).toThrow(TypeError)
  })
})
