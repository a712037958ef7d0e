/**
 * DesktopGateway over Socket.IO: a desktop notification is an event to every socket of the user (room
 * `user:<id>`, on every instance through the adapter), acknowledged by the app on receipt. The gateway
 * exists before the Socket.IO server (delivery is wired first); until attached nobody is connected.
 */
import type { Server } from 'socket.io'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import type { DesktopGateway, DesktopMessage, DesktopOutcome } from '../channels/desktop'

export interface AttachableGateway extends DesktopGateway {
  /** Connects the gateway to the Socket.IO server (or detaches it with undefined). */
  attach(io: Server | undefined): void
}

/** True for a gateway the sync server can attach to its Socket.IO instance. */
export function isAttachable(g: DesktopGateway): g is AttachableGateway {
  return typeof (g as Partial<AttachableGateway>).attach === 'function'
}

/** Builds the gateway; `attach` it to the sync server's Socket.IO instance. */
export function createDesktopGateway(): AttachableGateway {
  let io: Server | undefined
  return {
    attach(server) {
      io = server
    },
    deliver(userId: string, message: DesktopMessage, timeoutMs: number): Promise<DesktopOutcome> {
      const server = io
      if (!server) return Promise.resolve('no-client')
      return firstReceipt(server, `user:${userId}`, message, timeoutMs)
    },
  }
}

/**
 * Broadcasts with acknowledgements through the adapter (so across instances) and settles on the FIRST
 * receipt, rather than waiting for every socket as BroadcastOperator's ack callback does: one app that
 * acknowledges is enough, and another that is asleep must not hold the delivery for the whole timeout.
 * 'no-client' once every instance has reported zero sockets; 'timeout' when nobody answered in time.
 */
function firstReceipt(
  io: Server,
  room: string,
  message: DesktopMessage,
  timeoutMs: number,
): Promise<DesktopOutcome> {
  const adapter = io.of('/').adapter
  return new Promise<DesktopOutcome>((resolve) => {
    let settled = false
    let servers = -1
    let reported = 0
    let clients = 0
    const settle = (outcome: DesktopOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // Forget the acknowledgements still awaited locally (as BroadcastOperator does on its timeout).
      const id = (packet as { id?: number }).id
      if (id !== undefined) {
        for (const s of io.of('/').sockets.values())
          (s as unknown as { acks: Map<number, unknown> }).acks.delete(id)
      }
      resolve(outcome)
    }
    // socket.io-parser PacketType.EVENT = 2; the adapter assigns the ack id and namespace.
    const packet = { type: 2, data: [SYNC_EVENTS.notify, message] }
    const timer = setTimeout(() => settle('timeout'), timeoutMs)
    const counted = () => {
      if (servers === reported && clients === 0) settle('no-client')
    }
    adapter.broadcastWithAck(
      packet,
      { rooms: new Set([room]), except: new Set(), flags: { timeout: timeoutMs } },
      (count: number) => {
        clients += count
        reported++
        counted()
      },
      () => settle('received'),
    )
    void adapter.serverCount().then((n: number) => {
      servers = n
      counted()
    })
  })
}
