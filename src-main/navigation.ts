// Adapter: applies the pure URL policy to every web contents Electron creates, including ones we did not
// create ourselves (devtools, popups), as the Electron security checklist (§5, §10) asks.
import { type AppLocation, decideNavigation, decideWindowOpen } from './url-guard'

/** The part of an Electron navigation event we use. */
export interface NavigationEvent {
  url: string
  /** Set on will-frame-navigate. */
  isMainFrame?: boolean
  preventDefault(): void
}

/** The part of Electron's `WebContents` the guards need (Electron's own object satisfies it). */
export interface GuardedContents {
  on(
    event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect',
    listener: (e: NavigationEvent) => void,
  ): unknown
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

export interface NavigationDeps {
  app: AppLocation
  openExternal(url: string): unknown
  log?(message: string): void
}

/** Installs navigation, redirect, webview and window-open guards on one web contents. */
export function guardContents(contents: GuardedContents, deps: NavigationDeps): void {
  const onNavigate = (e: NavigationEvent) => {
    const decision = decideNavigation(e.url, deps.app)
    if (decision === 'allow') return
    e.preventDefault()
    if (decision === 'open-external') void deps.openExternal(e.url)
    else deps.log?.(`blocked navigation to ${truncate(e.url)}`)
  }
  contents.on('will-navigate', onNavigate)
  // will-frame-navigate also fires for the main frame (already handled above: handling it twice would
  // open a link twice). Subframes may stay in the app but never open anything outside it.
  contents.on('will-frame-navigate', (e) => {
    if (!e.isMainFrame && decideNavigation(e.url, deps.app) !== 'allow') e.preventDefault()
  })
  contents.on('will-redirect', (e) => {
    // A redirect must not silently leave the app; redirects never open external apps either.
    if (decideNavigation(e.url, deps.app) !== 'allow') e.preventDefault()
  })
  contents.on('will-attach-webview', (e) => e.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (decideWindowOpen(url) === 'open-external') void deps.openExternal(url)
    else deps.log?.(`blocked window.open of ${truncate(url)}`)
    return { action: 'deny' }
  })
}

const truncate = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s)
