// The console's IPC handlers, one per invoke channel of the contract. Kept apart from main.ts so the e2e
// contract test can drive exactly these handlers with a fake sender.

import type { IpcRegistry } from './ipc'
import type { Notifier } from './notifications'
import { IPC } from './shared/ipc-contract'

export interface HandlerDeps {
  /** The base URL the console page should call (see config.ts: server origin, or the dev server). */
  apiBaseUrl: string
  notifier: Notifier
}

/** Registers every invoke handler of the contract on the registry. */
export function registerConsoleHandlers(registry: IpcRegistry, deps: HandlerDeps): void {
  registry.handle(IPC.getServerUrl, () => deps.apiBaseUrl)
  registry.handle(IPC.notify, (alert) => deps.notifier.show(alert))
}
