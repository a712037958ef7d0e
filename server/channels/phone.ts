import { renderSms, renderVoice } from '../../core/notify/render'
import {
  type Channel,
  errorText,
  type OutgoingMessage,
  type SendResult,
  unconfiguredChannel,
} from './channel'
import { classifyStatus } from './http'

/** Sends SMS and places voice calls; one adapter per provider. */
export interface PhoneProvider {
  sms(to: string, text: string, idempotencyKey: string): Promise<SendResult>
  call(to: string, say: string, idempotencyKey: string): Promise<SendResult>
}

/** Twilio-style settings: VIGIL_TWILIO_URL (default https://api.twilio.com), _SID, _TOKEN, _FROM. */
export interface TwilioConfig {
  url: string
  sid?: string
  token?: string
  from?: string
  timeoutMs: number
}

/**
 * Twilio error codes that a retry can fix; every other code on a 4xx answer is final (21211 invalid
 * number, 21610 unsubscribed recipient, 21614 not a mobile number, 20003 bad credentials, ...).
 * 20429 = too many requests, 20500/20503 = Twilio internal error / unavailable, 30001 queue overflow.
 */
const TEMPORARY_CODES = new Set([20429, 20500, 20503, 30001, 31005])

/** A Twilio error answer -> temporary or permanent. */
export function classifyTwilio(status: number, code: number | undefined): 'temporary' | 'permanent' {
  if (code !== undefined && TEMPORARY_CODES.has(code)) return 'temporary'
  const byStatus = classifyStatus(status)
  return byStatus === 'ok' ? 'permanent' : byStatus
}

const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  )

/** The Twilio REST adapter (Messages.json and Calls.json, form-encoded, basic auth). */
export function twilioProvider(
  config: TwilioConfig & { sid: string; token: string; from: string },
): PhoneProvider {
  const base = `${config.url.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.sid)}`
  const auth = `Basic ${Buffer.from(`${config.sid}:${config.token}`).toString('base64')}`
  // Twilio's REST API takes no idempotency key: a retry after a lost answer may send twice (at least once).
  const post = async (resource: string, form: Record<string, string>): Promise<SendResult> => {
    let res: Response
    try {
      res = await fetch(`${base}/${resource}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(config.timeoutMs),
      })
    } catch (err) {
      return { ok: false, error: 'temporary', message: errorText(err) }
    }
    const text = await res.text().catch(() => '')
    let json: { sid?: string; code?: number; message?: string } = {}
    try {
      json = JSON.parse(text) as typeof json
    } catch {
      // Not JSON (a proxy's error page): the status decides.
    }
    const providerResponse = `${res.status} ${text}`.slice(0, 1000)
    if (res.status >= 200 && res.status < 300)
      return { ok: true, providerResponse: json.sid ?? providerResponse }
    const code = typeof json.code === 'number' ? json.code : undefined
    const message = code !== undefined ? `${code} ${json.message ?? ''}`.trim() : `HTTP ${res.status}`
    return { ok: false, error: classifyTwilio(res.status, code), message, providerResponse }
  }
  return {
    sms: (to, text) => post('Messages.json', { To: to, From: config.from, Body: text }),
    call: (to, say) =>
      post('Calls.json', {
        To: to,
        From: config.from,
        Twiml: `<Response><Say>${escapeXml(say)}</Say></Response>`,
      }),
  }
}

/** The configured phone provider, or undefined when Twilio settings are missing. */
export function phoneProviderFrom(config: TwilioConfig): PhoneProvider | undefined {
  const { sid, token, from } = config
  return sid && token && from ? twilioProvider({ ...config, sid, token, from }) : undefined
}

/** The SMS and voice channels over a provider (or undeliverable when none is configured). */
export function phoneChannels(provider: PhoneProvider | undefined): { sms: Channel; voice: Channel } {
  const why =
    'SMS and voice are not configured (set VIGIL_TWILIO_SID, VIGIL_TWILIO_TOKEN and VIGIL_TWILIO_FROM)'
  if (!provider)
    return { sms: unconfiguredChannel('SMS', why), voice: unconfiguredChannel('voice call', why) }
  return {
    sms: {
      label: 'SMS',
      send: (m: OutgoingMessage) => provider.sms(m.address, renderSms(m.notifications), m.id),
    },
    voice: {
      label: 'voice call',
      send: (m: OutgoingMessage) => provider.call(m.address, renderVoice(m.notifications), m.id),
    },
  }
}
