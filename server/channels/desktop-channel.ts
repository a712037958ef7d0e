import type { Channel, OutgoingMessage, SendResult } from './channel'
import type { DesktopGateway } from './desktop'

/** The gateway when none is injected: no app is ever connected, so desktop steps fail and the next proceeds. */
export const noDesktopClients: DesktopGateway = { deliver: async () => 'no-client' }

/**
 * The desktop channel: a targeted `vigil:notify` to the user's connected apps through the gateway. A
 * receipt is success; no app connected or no receipt within `receiptMs` is final for this delivery (not
 * retried: the user's next rule step is its own delivery and proceeds on its own).
 */
export function desktopChannel(gateway: DesktopGateway, receiptMs: number): Channel {
  return {
    label: 'desktop notification',
    async send(m: OutgoingMessage): Promise<SendResult> {
      let outcome: Awaited<ReturnType<DesktopGateway['deliver']>>
      try {
        outcome = await gateway.deliver(
          m.userId,
          { deliveryId: m.id, notifications: m.notifications },
          receiptMs,
        )
      } catch (err) {
        return { ok: false, error: 'permanent', message: `desktop gateway failed: ${String(err)}` }
      }
      if (outcome === 'received') return { ok: true, providerResponse: 'received' }
      if (outcome === 'no-client')
        return {
          ok: false,
          error: 'permanent',
          message: 'no desktop app connected',
          providerResponse: outcome,
        }
      return {
        ok: false,
        error: 'permanent',
        message: `no receipt within ${receiptMs < 1000 ? `${receiptMs} ms` : `${Math.round(receiptMs / 1000)} s`}`,
        providerResponse: outcome,
      }
    },
  }
}
