// `vigil://` deep links arrive from the OS in argv (Windows/Linux, first and second instance) or via
// `open-url` (macOS, possibly before any window exists). Parse them into an allowlisted route and buffer
// them until the console page can receive them.
import { type DeepLinkRoute, isAlertId } from './shared/ipc-contract'

export const DEEP_LINK_SCHEME = 'vigil'

/** Parses `vigil://alert/<id>` or `vigil://` (home) into a route; anything else is undefined. */
export function parseDeepLink(raw: unknown): DeepLinkRoute | undefined {
  if (typeof raw !== 'string' || raw.length > 512) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return undefined
  // `vigil://alert/X`: host is the route kind, the path holds the id.
  const parts = url.pathname.split('/').filter(Boolean)
  if ((url.host === '' || url.host === 'home') && parts.length === 0) return { kind: 'home' }
  if (url.host === 'alert' && parts.length === 1) {
    const id = decodeURIComponentSafe(parts[0] ?? '')
    if (isAlertId(id)) return { kind: 'alert', id }
  }
  return undefined
}

/** Finds the first deep link in a command line (argv order is not guaranteed across platforms). */
export function deepLinkFromArgv(argv: readonly string[]): DeepLinkRoute | undefined {
  for (const arg of argv) {
    if (!arg.startsWith(`${DEEP_LINK_SCHEME}:`)) continue
    const route = parseDeepLink(arg)
    if (route) return route
  }
  return undefined
}

const decodeURIComponentSafe = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return ''
  }
}

export interface DeepLinkRouter {
  /** Queues a route, or sends it at once if a page is attached. */
  push(route: DeepLinkRoute): void
  /** Attaches the page sender (after the page loaded) and flushes anything queued. */
  attach(send: (route: DeepLinkRoute) => void): void
  /** Detaches on reload/crash so routes wait for the next page instead of being lost. */
  detach(): void
}

/** Creates a buffer that holds deep links until the console page is ready to receive them. */
export function createDeepLinkRouter(maxQueued = 16): DeepLinkRouter {
  let send: ((route: DeepLinkRoute) => void) | undefined
  const queue: DeepLinkRoute[] = []
  return {
    push(route) {
      if (send) return send(route)
      queue.push(route)
      // A stuck page must not make us grow without bound; the newest links matter most.
      if (queue.length > maxQueued) queue.shift()
    },
    attach(next) {
      send = next
      for (const route of queue.splice(0)) next(route)
    },
    detach() {
      send = undefined
    },
  }
}
