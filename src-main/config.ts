// Where the console window points, decided once from the environment. Pure so that the odd cases (bad
// URL, dev server, reverse-proxy prefix) are unit-tested rather than discovered on a wallboard.
import type { Validation } from './shared/ipc-contract'
import { type AppLocation, appLocationOf } from './url-guard'

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080'
/** Path the server serves the built console under (server/api/console.ts). */
export const CONSOLE_PATH = '/console/'

export interface ConsoleTarget {
  /** The Vigil server, without a trailing slash (may carry a reverse-proxy path prefix). */
  serverUrl: string
  /** What the window loads. */
  pageUrl: string
  /** What `window.vigil.getServerUrl()` answers: the base the page sends API requests to. */
  apiBaseUrl: string
  /** The only place the window may navigate to and accept IPC from. */
  app: AppLocation
}

/** Parses VIGIL_SERVER_URL: http(s), no credentials, query or fragment; trailing slash dropped. */
export function parseServerUrl(raw: string | undefined): Validation<string> {
  const value = raw?.trim() || DEFAULT_SERVER_URL
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { ok: false, error: `VIGIL_SERVER_URL is not a URL: '${value}'` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `VIGIL_SERVER_URL must be http:// or https:// (got '${url.protocol}')` }
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, error: 'VIGIL_SERVER_URL must not carry credentials, a query or a fragment' }
  }
  return { ok: true, value: `${url.origin}${url.pathname.replace(/\/+$/, '')}` }
}

/**
 * Decides what the window loads. Packaged (or no dev server): the server's own /console/, so page, API
 * and CSP 'self' share one origin. Development under `electron-vite dev`: the Vite dev server, which
 * proxies API paths to the server (electron.vite.config.ts), so the page still only talks to 'self'.
 */
export function resolveConsoleTarget(
  env: Record<string, string | undefined>,
  options: { isPackaged: boolean },
): Validation<ConsoleTarget> {
  const server = parseServerUrl(env.VIGIL_SERVER_URL)
  if (!server.ok) return server
  const devUrl = options.isPackaged ? undefined : env.ELECTRON_RENDERER_URL
  if (devUrl) {
    // Never honoured when packaged: an env var must not be able to point the privileged window elsewhere.
    const dev = parseServerUrl(devUrl)
    if (!dev.ok) return { ok: false, error: `ELECTRON_RENDERER_URL: ${dev.error}` }
    const pageUrl = `${dev.value}/`
    return {
      ok: true,
      value: {
        serverUrl: server.value,
        pageUrl,
        apiBaseUrl: new URL(pageUrl).origin,
        app: appLocationOf(pageUrl),
      },
    }
  }
  const pageUrl = `${server.value}${CONSOLE_PATH}`
  return {
    ok: true,
    value: { serverUrl: server.value, pageUrl, apiBaseUrl: server.value, app: appLocationOf(pageUrl) },
  }
}
