import type { DesktopMessage } from '../../core/model/notification'

export type { DesktopMessage }

/** What became of a desktop message: acknowledged by an app, nobody connected, or no receipt in time. */
export type DesktopOutcome = 'received' | 'no-client' | 'timeout'

/**
 * Reaches a user's connected desktop apps. The Socket.IO implementation lives in server/sync (it owns the
 * connections); delivery depends only on this, so it can be tested with any real gateway.
 */
export interface DesktopGateway {
  /** Sends to every app the user has connected (on any instance); resolves on the first receipt. */
  deliver(userId: string, message: DesktopMessage, timeoutMs: number): Promise<DesktopOutcome>
}
