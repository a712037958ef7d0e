// Pure URL policy for the privileged console window. Everything that decides "may this URL load in our
// window / be handed to the OS / talk to main" lives here so it can be tested without Electron.

/** Where the console app lives: one origin plus the path prefix the console is served under. */
export interface AppLocation {
  origin: string
  pathPrefix: string
}

// Only these may leave the app for the OS handler: http: would silently downgrade, file:/smb:/custom
// schemes can launch local programs (see Electron security checklist, "shell.openExternal").
const EXTERNAL_PROTOCOLS = new Set(['https:', 'mailto:'])

const parse = (url: unknown): URL | undefined => {
  if (typeof url !== 'string' || url.length > 4096) return undefined
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/** Builds the app location for a console page URL (its origin and directory). */
export function appLocationOf(pageUrl: string): AppLocation {
  const url = new URL(pageUrl)
  const dir = url.pathname.endsWith('/') ? url.pathname : url.pathname.replace(/[^/]*$/, '')
  return { origin: url.origin, pathPrefix: dir }
}

/** True when `url` is a page of the console itself (same origin, under the console path). */
export function isAppUrl(url: unknown, app: AppLocation): boolean {
  const u = parse(url)
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return false
  // Credentials in the URL would let a link impersonate the origin in logs; never treat them as ours.
  if (u.username || u.password) return false
  return u.origin === app.origin && u.pathname.startsWith(app.pathPrefix)
}

/** True when `url` may be handed to the OS (`shell.openExternal`): https or mailto only. */
export function isSafeExternalUrl(url: unknown): boolean {
  const u = parse(url)
  if (!u || !EXTERNAL_PROTOCOLS.has(u.protocol)) return false
  return u.protocol === 'mailto:' || (u.hostname !== '' && !u.username && !u.password)
}

export type NavigationDecision = 'allow' | 'open-external' | 'deny'

/** What to do when the window tries to navigate to `url`: stay in-app, open it outside, or drop it. */
export function decideNavigation(url: unknown, app: AppLocation): NavigationDecision {
  if (isAppUrl(url, app)) return 'allow'
  return isSafeExternalUrl(url) ? 'open-external' : 'deny'
}

/** What to do with `window.open(url)`: never a new Electron window; safe links go to the OS browser. */
export function decideWindowOpen(url: unknown): 'open-external' | 'deny' {
  return isSafeExternalUrl(url) ? 'open-external' : 'deny'
}
