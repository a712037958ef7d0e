import type { NotificationPayload } from '../../core/model/notification'

/** What the desktop app receives on `vigil:notify` (core/sync/protocol.ts SYNC_EVENTS.notify). */
export interface DesktopMessage {
  /** The delivery this message carries; the app's acknowledgement is its receipt. */
  deliveryId: string
  /** One or more notifications (several pending ones for the same person are bundled). */
  notifications: NotificationPayload[]
}

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
