/*
 * Desktop notifications pushed by the server (server/channels/desktop.ts) on `vigil:notify`. The
 * acknowledgement is the delivery receipt, so it is sent as soon as the message arrives, before the
 * callback (which hands it to the Electron bridge) runs, and whatever the callback does.
 */
import type { Socket } from 'socket.io-client'
import type { DesktopMessage } from '../../core/model/notification'
import { SYNC_EVENTS } from '../../core/sync/protocol'

export type { DesktopMessage }

/** Acknowledges every desktop message and passes it on; returns the unsubscribe. */
export function listenForNotifications(
  socket: Socket,
  onMessage: (message: DesktopMessage) => void,
): () => void {
  const handler = (message: DesktopMessage, ack?: (receipt: unknown) => void) => {
    if (typeof ack === 'function') ack({ ok: true, value: { deliveryId: message?.deliveryId } })
    try {
      onMessage(message)
    } catch (err) {
      // A failing callback must not break the socket's other listeners; the receipt is already sent.
      console.error('vigil:notify callback failed', err)
    }
  }
  socket.on(SYNC_EVENTS.notify, handler)
  return () => socket.off(SYNC_EVENTS.notify, handler)
}
