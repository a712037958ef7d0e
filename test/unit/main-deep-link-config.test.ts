import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_SERVER_URL, parseServerUrl, resolveConsoleTarget } from '../../src-main/config'
import { createDeepLinkRouter, deepLinkFromArgv, parseDeepLink } from '../../src-main/deep-link'

describe('deep links', () => {
  it.each([
    ['vigil://alert/abc-1', { kind: 'alert', id: 'abc-1' }],
    ['vigil://alert/abc%3A1/', { kind: 'alert', id: 'abc:1' }],
    ['vigil://', { kind: 'home' }],
    ['vigil://home', { kind: 'home' }],
    ['vigil://alert/', undefined],
    ['vigil://alert/a/b', undefined],
    ['vigil://alert/%3Cscript%3E', undefined],
    ['vigil://alert/%E0%A4%A', undefined],
    ['vigil://settings', undefined],
    ['https://alert/abc', undefined],
    ['not a url', undefined],
    [42, undefined],
  ])('parseDeepLink(%s)', (raw, expected) => {
    expect(parseDeepLink(raw)).toEqual(expected)
  })

  it('finds the link anywhere in argv', () => {
    expect(deepLinkFromArgv(['/opt/vigil', '--flag', 'vigil://alert/x1'])).toEqual({
      kind: 'alert',
      id: 'x1',
    })
    expect(deepLinkFromArgv(['/opt/vigil', 'vigil://bogus', 'vigil://alert/x2'])).toEqual({
      kind: 'alert',
      id: 'x2',
    })
    expect(deepLinkFromArgv(['/opt/vigil', '.'])).toBeUndefined()
  })

  it('buffers routes until a page attaches, and again after it detaches', () => {
    const router = createDeepLinkRouter(2)
    router.push({ kind: 'alert', id: '1' })
    router.push({ kind: 'alert', id: '2' })
    router.push({ kind: 'alert', id: '3' }) // oldest dropped beyond the limit
    const send = vi.fn()
    router.attach(send)
    expect(send.mock.calls).toEqual([[{ kind: 'alert', id: '2' }], [{ kind: 'alert', id: '3' }]])
    router.push({ kind: 'home' })
    expect(send).toHaveBeenLastCalledWith({ kind: 'home' })
    router.detach()
    router.push({ kind: 'alert', id: '4' })
    expect(send).toHaveBeenCalledTimes(3)
  })
})

describe('console target', () => {
  it('parses VIGIL_SERVER_URL with a default', () => {
    expect(parseServerUrl(undefined)).toEqual({ ok: true, value: DEFAULT_SERVER_URL })
    expect(parseServerUrl(' https://ops.example.org/vigil/ ')).toEqual({
      ok: true,
      value: 'https://ops.example.org/vigil',
    })
    expect(parseServerUrl('ftp://x').ok).toBe(false)
    expect(parseServerUrl('http://u:p@x').ok).toBe(false)
    expect(parseServerUrl('http://x/?a=1').ok).toBe(false)
    expect(parseServerUrl('::').ok).toBe(false)
  })

  it('loads the server console when packaged or without a dev server', () => {
    const env = { VIGIL_SERVER_URL: 'http://10.0.0.5:9000', ELECTRON_RENDERER_URL: 'http://localhost:5173' }
    expect(resolveConsoleTarget(env, { isPackaged: true })).toEqual({
      ok: true,
      value: {
        serverUrl: 'http://10.0.0.5:9000',
        pageUrl: 'http://10.0.0.5:9000/console/',
        apiBaseUrl: 'http://10.0.0.5:9000',
        app: { origin: 'http://10.0.0.5:9000', pathPrefix: '/console/' },
      },
    })
  })

  it('uses the electron-vite dev server (which proxies the API) only when not packaged', () => {
    const result = resolveConsoleTarget(
      { ELECTRON_RENDERER_URL: 'http://localhost:5173' },
      { isPackaged: false },
    )
    expect(result).toEqual({
      ok: true,
      value: {
        serverUrl: DEFAULT_SERVER_URL,
        pageUrl: 'http://localhost:5173/',
        apiBaseUrl: 'http://localhost:5173',
        app: { origin: 'http://localhost:5173', pathPrefix: '/' },
      },
    })
    expect(resolveConsoleTarget({ VIGIL_SERVER_URL: 'nope' }, { isPackaged: false }).ok).toBe(false)
  })
})
