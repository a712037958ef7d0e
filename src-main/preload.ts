// Sandboxed preload (built to CommonJS: sandboxed renderers cannot load ESM preloads). Exposes
// `window.vigil` with task-level functions only: never ipcRenderer, never a generic invoke(channel).
import { contextBridge, ipcRenderer } from 'electron'
import { type DeepLinkRoute, IPC, type VigilApi, validateDeepLinkRoute } from './shared/ipc-contract'

/** The part of Electron's `ipcRenderer` the API uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

// Routes that arrive before the page subscribed (React subscribes after its first commit, which can
// be after did-finish-load) are held here rather than lost.
const MAX_PENDING = 16

/** Builds the `window.vigil` API over an ipcRenderer; exported for tests. */
export function createVigilApi(ipc: IpcRendererLike): VigilApi {
  const listeners = new Set<(route: DeepLinkRoute) => void>()
  const pending: DeepLinkRoute[] = []
  // The IpcRendererEvent is dropped here on purpose: handing it to the page would leak `sender`.
  ipc.on(IPC.deepLink, (_event, raw) => {
    const route = validateDeepLinkRoute(raw)
    if (!route.ok) return
    if (listeners.size === 0) {
      pending.push(route.value)
      if (pending.length > MAX_PENDING) pending.shift()
      return
    }
    for (const listener of listeners) listener(route.value)
  })
  return {
    getServerUrl: () => ipc.invoke(IPC.getServerUrl) as Promise<string>,
    notify: (alert) => ipc.invoke(IPC.notify, alert) as ReturnType<VigilApi['notify']>,
    onDeepLink(callback) {
      if (typeof callback !== 'function') throw new TypeError('onDeepLink needs a function')
      // Wrap so two subscriptions of the same function stay independent for unsubscribe.
      const listener = (route: DeepLinkRoute) => callback(route)
      listeners.add(listener)
      for (const route of pending.splice(0)) listener(route)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}

contextBridge.exposeInMainWorld('vigil', createVigilApi(ipcRenderer))
