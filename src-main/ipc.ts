// Typed IPC handler registry. Every invoke goes through the same gate: known channel, trusted sender,
// validated arguments, in that order (security checklist §7), before any handler code runs.
import {
  ARG_VALIDATORS,
  INVOKE_CHANNELS,
  type InvokeChannel,
  type InvokeContract,
  type Validation,
} from './shared/ipc-contract'
import { type AppLocation, isAppUrl } from './url-guard'

/** The part of Electron's `IpcMainInvokeEvent` the sender check reads. */
export interface IpcSenderEvent {
  sender: { id: number }
  /** Null when the frame navigated away or was destroyed before the message was handled. */
  senderFrame: { url: string; parent: unknown } | null
}

export interface SenderPolicy {
  app: AppLocation
  /** True for web contents of windows we created (Fiddle / GitHub Desktop style trusted-sender set). */
  isTrustedContents(webContentsId: number): boolean
}

/** Accepts only the top frame of one of our windows, showing a console page. */
export function checkSender(event: IpcSenderEvent, policy: SenderPolicy): Validation<true> {
  if (!policy.isTrustedContents(event.sender.id)) return { ok: false, error: 'sender is not a Vigil window' }
  const frame = event.senderFrame
  if (!frame) return { ok: false, error: 'sender frame is gone' }
  if (frame.parent !== null) return { ok: false, error: 'sender is a subframe' }
  if (!isAppUrl(frame.url, policy.app)) return { ok: false, error: 'sender is not a console page' }
  return { ok: true, value: true }
}

export type InvokeHandler<C extends InvokeChannel> = (
  ...args: InvokeContract[C]['args']
) => InvokeContract[C]['result'] | Promise<InvokeContract[C]['result']>

/** The part of Electron's `ipcMain` the registry binds to. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown): void
}

export interface IpcRegistry {
  /** Registers the one handler for a channel; a second registration is a programming error. */
  handle<C extends InvokeChannel>(channel: C, handler: InvokeHandler<C>): void
  /** Runs the gate and the handler; rejects with a short reason the renderer may see. */
  invoke(channel: string, event: IpcSenderEvent, args: readonly unknown[]): Promise<unknown>
  /** Channels that have a handler. */
  channels(): InvokeChannel[]
  /** Binds every registered channel to Electron's ipcMain. */
  bind(ipcMain: IpcMainLike): void
}

const isInvokeChannel = (c: string): c is InvokeChannel => (INVOKE_CHANNELS as readonly string[]).includes(c)

/** Creates the registry; `log` receives rejected calls (never their arguments, which may be large). */
export function createIpcRegistry(
  policy: SenderPolicy,
  log: (message: string) => void = () => {},
): IpcRegistry {
  const handlers = new Map<InvokeChannel, (args: readonly unknown[]) => unknown>()
  const registry: IpcRegistry = {
    handle(channel, handler) {
      if (handlers.has(channel)) throw new Error(`IPC handler for ${channel} registered twice`)
      const validate = ARG_VALIDATORS[channel]
      handlers.set(channel, (args) => {
        const parsed = validate(args)
        if (!parsed.ok) throw new Error(`invalid arguments for ${channel}: ${parsed.error}`)
        return handler(...(parsed.value as InvokeContract[typeof channel]['args']))
      })
    },
    async invoke(channel, event, args) {
      const run = isInvokeChannel(channel) ? handlers.get(channel) : undefined
      if (!run) throw new Error(`unknown IPC channel ${channel}`)
      const sender = checkSender(event, policy)
      if (!sender.ok) {
        log(`rejected ${channel}: ${sender.error}`)
        throw new Error(`rejected ${channel}: ${sender.error}`)
      }
      try {
        return await run(args)
      } catch (err) {
        log(`${channel} failed: ${(err as Error).message}`)
        throw err
      }
    },
    channels: () => [...handlers.keys()],
    bind(ipcMain) {
      for (const channel of handlers.keys()) {
        ipcMain.handle(channel, (event, ...args) => registry.invoke(channel, event, args))
      }
    },
  }
  return registry
}
