import { createHmac } from 'node:crypto'
import { Agent, fetch as undiciFetch } from 'undici'
import { renderGenericWebhook, renderSlack } from '../../core/notify/render'
import { type Channel, errorText, type OutgoingMessage, type SendResult } from './channel'
import {
  guardedLookup,
  type LookupAll,
  type ResolveHost,
  refusedDestination,
  systemResolve,
} from './destination'
import { type PostFetch, postForResult } from './http'

/**
 * Outbound webhooks (contact method `webhook`, `to` = the URL).
 *
 * - Slack-compatible body `{text, blocks}` when the URL is a Slack incoming webhook (hooks.slack.com) or the
 *   contact asks for it with a `format=slack` query parameter or a `#slack` fragment (for Mattermost,
 *   Rocket.Chat and other Slack-compatible receivers; the fragment is not sent).
 * - Otherwise a generic JSON body, signed: `X-Vigil-Timestamp: <epoch ms>` and
 *   `X-Vigil-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the server-wide secret
 *   VIGIL_WEBHOOK_SECRET (one secret for every contact; per-contact secrets are not supported). Receivers
 *   should reject stale timestamps to stop replays. Without a secret the body goes out unsigned.
 */
export interface WebhookConfig {
  secret?: string
  timeoutMs: number
  now(): number
  /** Allow URLs on loopback, private and other non-public addresses (destination.ts). */
  allowPrivate: boolean
  /** Name resolution for the check before the request; the system resolver by default. */
  resolve?: ResolveHost
  /** The sockets' own lookup, checked again at connect time; dns.lookup by default. */
  lookup?: LookupAll
}

/** True when the URL gets a Slack-style body. */
export function isSlackUrl(url: URL): boolean {
  return (
    url.hostname === 'hooks.slack.com' || url.searchParams.get('format') === 'slack' || url.hash === '#slack'
  )
}

/** The signature header value of a body sent at `timestamp`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** The webhook channel. */
export function webhookChannel(config: WebhookConfig): Channel & { close(): void } {
  // Sockets of a guarded channel resolve through guardedLookup: the address checked is the one connected to.
  const dispatcher = config.allowPrivate
    ? undefined
    : new Agent({ connect: { lookup: guardedLookup(config.lookup) } })
  const guarded: PostFetch | undefined = dispatcher
    ? (url, init) => undiciFetch(url, { ...init, dispatcher }) as unknown as Promise<Response>
    : undefined
  return {
    close() {
      void dispatcher?.close().catch(() => {})
    },
    label: 'webhook',
    async send(m: OutgoingMessage): Promise<SendResult> {
      let url: URL
      try {
        url = new URL(m.address)
      } catch {
        return { ok: false, error: 'permanent', message: `not a URL: ${m.address}` }
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return { ok: false, error: 'permanent', message: `not an http(s) URL: ${m.address}` }
      if (!config.allowPrivate) {
        let refused: string | undefined
        try {
          refused = await refusedDestination(url, config.resolve ?? systemResolve)
        } catch (err) {
          return {
            ok: false,
            error: 'temporary',
            message: `cannot resolve ${url.hostname}: ${errorText(err)}`,
          }
        }
        if (refused)
          return {
            ok: false,
            error: 'permanent',
            message: `refused: ${refused} (VIGIL_WEBHOOK_ALLOW_PRIVATE=true allows it)`,
          }
      }
      const slack = isSlackUrl(url)
      url.hash = ''
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Vigil',
        'x-vigil-delivery': m.id,
      }
      const body = JSON.stringify(
        slack ? renderSlack(m.notifications) : renderGenericWebhook(m.id, m.notifications),
      )
      if (!slack && config.secret) {
        const ts = String(config.now())
        headers['x-vigil-timestamp'] = ts
        headers['x-vigil-signature'] = webhookSignature(config.secret, ts, body)
      }
      const {
        status: _s,
        text: _t,
        ...result
      } = await postForResult(url.toString(), { headers, body }, config.timeoutMs, undefined, guarded)
      return result
    },
  }
}
