import { describe, expect, it, vi } from 'vitest'
import { type GuardedContents, guardContents, type NavigationEvent } from '../../src-main/navigation'
import {
  ALLOWED_PERMISSIONS,
  decidePermission,
  installPermissionHandlers,
  type PermissionSession,
} from '../../src-main/permissions'
import {
  appLocationOf,
  decideNavigation,
  decideWindowOpen,
  isAppUrl,
  isSafeExternalUrl,
} from '../../src-main/url-guard'

const app = appLocationOf('http://127.0.0.1:8080/console/')

describe('url guard', () => {
  it('derives the app location from the page URL', () => {
    expect(app).toEqual({ origin: 'http://127.0.0.1:8080', pathPrefix: '/console/' })
    expect(appLocationOf('http://localhost:5173/')).toEqual({
      origin: 'http://localhost:5173',
      pathPrefix: '/',
    })
    expect(appLocationOf('https://ops.example.org/vigil/console/index.html').pathPrefix).toBe(
      '/vigil/console/',
    )
  })

  it.each([
    ['http://127.0.0.1:8080/console/', true],
    ['http://127.0.0.1:8080/console/#/alerts/1', true],
    ['http://127.0.0.1:8080/console/assets/x.js?v=1', true],
    ['http://127.0.0.1:8080/api/docs', false], // same server, but not the console
    ['http://127.0.0.1:8080/consolex/', false],
    ['http://127.0.0.1:8081/console/', false],
    ['http://localhost:8080/console/', false],
    ['https://127.0.0.1:8080/console/', false],
    ['http://user:pw@127.0.0.1:8080/console/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
    [42, false],
  ])('isAppUrl(%s) = %s', (url, expected) => {
    expect(isAppUrl(url, app)).toBe(expected)
  })

  it.each([
    ['https://example.org/runbook', true],
    ['mailto:oncall@example.org', true],
    ['http://example.org/', false],
    ['file:///tmp/x', false],
    ['smb://host/share', false],
    ['vigil://alert/1', false],
    ['https://user:pw@example.org/', false],
    ['javascript:alert(1)', false],
    [undefined, false],
  ])('isSafeExternalUrl(%s) = %s', (url, expected) => {
    expect(isSafeExternalUrl(url)).toBe(expected)
  })

  it('decides navigation and window.open', () => {
    expect(decideNavigation('http://127.0.0.1:8080/console/x', app)).toBe('allow')
    expect(decideNavigation('https://grafana.example.org/d/1', app)).toBe('open-external')
    expect(decideNavigation('http://evil.example/', app)).toBe('deny')
    // window.open never yields an Electron window, even for an app URL.
    expect(decideWindowOpen('http://127.0.0.1:8080/console/')).toBe('deny')
    expect(decideWindowOpen('https://example.org/')).toBe('open-external')
  })
})

/** A typed fake WebContents that records listeners so the test can fire events. */
class FakeContents implements GuardedContents {
  listeners = new Map<string, (e: NavigationEvent) => void>()
  openHandler?: (details: { url: string }) => { action: 'deny' }
  on(event: string, listener: (e: NavigationEvent) => void) {
    this.listeners.set(event, listener)
    return this
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler
  }
  fire(event: string, url: string, isMainFrame?: boolean) {
    const e = { url, isMainFrame, preventDefault: vi.fn() }
    this.listeners.get(event)?.(e)
    return e.preventDefault.mock.calls.length > 0
  }
}

describe('navigation guards', () => {
  const setup = () => {
    const contents = new FakeContents()
    const openExternal = vi.fn()
    guardContents(contents, { app, openExternal })
    return { contents, openExternal }
  }

  it('keeps in-app navigation and sends safe external links to the OS', () => {
    const { contents, openExternal } = setup()
    expect(contents.fire('will-navigate', 'http://127.0.0.1:8080/console/other')).toBe(false)
    expect(contents.fire('will-navigate', 'https://example.org/runbook')).toBe(true)
    expect(openExternal).toHaveBeenCalledWith('https://example.org/runbook')
    // The main frame's will-frame-navigate for the same click must not open it a second time.
    expect(contents.fire('will-frame-navigate', 'https://example.org/runbook', true)).toBe(false)
    expect(openExternal).toHaveBeenCalledTimes(1)
  })

  it('blocks unsafe navigation, frame navigation, redirects and webviews without opening anything', () => {
    const { contents, openExternal } = setup()
    expect(contents.fire('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(contents.fire('will-frame-navigate', 'http://evil.example/', false)).toBe(true)
    expect(contents.fire('will-frame-navigate', 'https://example.org/', false)).toBe(true)
    expect(contents.fire('will-frame-navigate', 'http://127.0.0.1:8080/console/x', false)).toBe(false)
    expect(contents.fire('will-redirect', 'https://example.org/')).toBe(true)
    expect(contents.fire('will-redirect', 'http://127.0.0.1:8080/console/')).toBe(false)
    expect(contents.fire('will-attach-webview', 'about:blank')).toBe(true)
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('denies every window.open, opening only safe URLs externally', () => {
    const { contents, openExternal } = setup()
    expect(contents.openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'http://127.0.0.1:8080/console/' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'file:///x' })).toEqual({ action: 'deny' })
    expect(openExternal.mock.calls).toEqual([['https://example.org/']])
  })
})

describe('permissions', () => {
  it('denies by default and allows only the allowlist for console pages', () => {
    expect([...ALLOWED_PERMISSIONS].sort()).toEqual(['clipboard-sanitized-write', 'fullscreen'])
    expect(decidePermission('fullscreen', 'http://127.0.0.1:8080/console/', app)).toBe(true)
    expect(decidePermission('fullscreen', 'https://evil.example/', app)).toBe(false)
    expect(decidePermission('fullscreen', undefined, app)).toBe(false)
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'unknown']) {
      expect(decidePermission(p, 'http://127.0.0.1:8080/console/', app)).toBe(false)
    }
  })

  it('installs request, check and device handlers on the session', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] | undefined
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] | undefined
    let device: (() => boolean) | undefined
    const session: PermissionSession = {
      setPermissionRequestHandler: (h) => {
        request = h
      },
      setPermissionCheckHandler: (h) => {
        check = h
      },
      setDevicePermissionHandler: (h) => {
        device = h
      },
    }
    installPermissionHandlers(session, app)
    const granted: boolean[] = []
    request?.(null, 'media', (g) => granted.push(g), { requestingUrl: 'http://127.0.0.1:8080/console/' })
    request?.(null, 'fullscreen', (g) => granted.push(g), { requestingUrl: 'http://127.0.0.1:8080/console/' })
    expect(granted).toEqual([false, true])
    expect(check?.(null, 'fullscreen', 'http://127.0.0.1:8080', {})).toBe(true)
    expect(check?.(null, 'fullscreen', 'http://evil.example', {})).toBe(false)
    expect(check?.(null, 'media', 'http://127.0.0.1:8080', {})).toBe(false)
    expect(device?.()).toBe(false)
  })
})
