// The renderer's only door to the desktop shell. Everything here also works in a plain browser, where
// the preload did not run and `window.vigil` is absent.
import type { VigilApi } from '../../src-main/shared/ipc-contract'

/** What the bridge reads from `window` (injected so it can be tested without a DOM). */
export interface BridgeWindow {
  readonly vigil?: VigilApi
  readonly location: { readonly origin: string }
}

/** The desktop API when running inside Electron, otherwise undefined. */
export function desktopApi(win: BridgeWindow): VigilApi | undefined {
  return win.vigil
}

/** The server base URL: asked from main inside Electron, else the origin that served this page. */
export async function resolveServerUrl(win: BridgeWindow): Promise<string> {
  const api = desktopApi(win)
  const url = api ? await api.getServerUrl() : win.location.origin
  return url.replace(/\/+$/, '')
}
