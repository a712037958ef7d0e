import { describe, expect, it, vi } from 'vitest'
import type { VigilApi } from '../../src-main/shared/ipc-contract'
import { checkHealth, type FetchLike } from '../../src-renderer/bridge/health'
import { desktopApi, resolveServerUrl } from '../../src-renderer/bridge/vigil'

const api: VigilApi = {
  getServerUrl: async () => 'http://127.0.0.1:8080/',
  notify: async () => ({ shown: true }),
  onDeepLink: () => () => {},
}

describe('renderer bridge', () => {
  it('asks main for the server inside Electron, else uses the page origin', async () => {
    await expect(resolveServerUrl({ vigil: api, location: { origin: 'http://x' } })).resolves.toBe(
      'http://127.0.0.1:8080',
    )
    await expect(resolveServerUrl({ location: { origin: 'http://10.1.1.1:8080' } })).resolves.toBe(
      'http://10.1.1.1:8080',
    )
    expect(desktopApi({ location: { origin: 'http://x' } })).toBeUndefined()
  })

  it('reports ok only for a 2xx /health', async () => {
    const fetchFn = vi.fn<FetchLike>(async () => ({ ok: true, status: 200 }))
    await expect(checkHealth('http://s', fetchFn)).resolves.toEqual({ state: 'ok' })
    expect(fetchFn.mock.calls[0]?.[0]).toBe('http://s/health')
    await expect(checkHealth('http://s', async () => ({ ok: false, status: 503 }))).resolves.toEqual({
      state: 'unreachable',
      reason: 'HTTP 503',
    })
    await expect(
      checkHealth('http://s', async () => Promise.reject(new TypeError('fetch failed'))),
    ).resolves.toEqual({
      state: 'unreachable',
      reason: 'network error',
    })
  })

  it('gives up after the timeout', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal.addEventListener('abort', () => reject(init.signal.reason)),
      )
    await expect(checkHealth('http://s', hang, 20)).resolves.toEqual({
      state: 'unreachable',
      reason: 'no answer within 0.02 s',
    })
  })
})
