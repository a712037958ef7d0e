import { DEFAULT_BACKOFF } from '../../core/notify/backoff'
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../core/notify/rate-limit'
import { envIntReader } from '../env-int'

/** Delivery settings (README "Notification delivery"); every field has a default. */
export interface DeliveryConfig {
  /** How often the workers look for work, ms; 0 = the workers do not run on their own (tests drive them). */
  pollMs: number
  /** SMTP URL (smtp://user:pass@host:port, smtps://...); unset = e-mail undeliverable. */
  smtpUrl?: string
  smtpFrom: string
  /** Server-wide HMAC secret of generic webhooks; unset = unsigned. */
  webhookSecret?: string
  /** Whether users' webhooks may reach loopback, private and other non-public addresses. */
  webhookAllowPrivate: boolean
  /** Twilio-style provider. */
  twilioUrl: string
  twilioSid?: string
  twilioToken?: string
  twilioFrom?: string
  /** How long the desktop app has to acknowledge a notification. */
  desktopReceiptMs: number
  /** Timeout of one webhook, SMTP or provider request. */
  sendTimeoutMs: number
  maxAttempts: number
  retryBaseMs: number
  rateLimits: RateLimits
  /** Deliveries claimed per sweep, notifications expanded per sweep. */
  batchSize: number
  /** Most notifications in one bundled message. */
  maxBundle: number
  /** How far ahead shift notices are written (at least a day, for "1-day-ago" rules). */
  noticeLookAheadMs: number
}

/** Defaults of every delivery setting. */
export const DEFAULT_DELIVERY: DeliveryConfig = {
  pollMs: 1000,
  smtpFrom: 'Vigil <vigil@localhost>',
  webhookAllowPrivate: false,
  twilioUrl: 'https://api.twilio.com',
  desktopReceiptMs: 30_000,
  sendTimeoutMs: 10_000,
  maxAttempts: DEFAULT_BACKOFF.maxAttempts,
  retryBaseMs: DEFAULT_BACKOFF.baseMs,
  rateLimits: DEFAULT_RATE_LIMITS,
  batchSize: 200,
  maxBundle: 20,
  noticeLookAheadMs: 25 * 3600_000,
}

/** A full config from defaults and overrides (tests pass partial ones). */
export function resolveDeliveryConfig(partial: Partial<DeliveryConfig> | undefined): DeliveryConfig {
  return { ...DEFAULT_DELIVERY, ...partial }
}

/** Parses "sms=60,voice=30" into per-channel limits over the defaults; problems go to `errors`. */
function channelLimits(raw: string | undefined, errors: string[]): Record<string, number> {
  const out: Record<string, number> = { ...DEFAULT_RATE_LIMITS.perChannel }
  if (!raw) return out
  for (const part of raw.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim())
    const n = Number(v)
    if (!k || !['email', 'webhook', 'sms', 'voice', 'desktop'].includes(k) || !Number.isInteger(n) || n < 1) {
      errors.push(`VIGIL_NOTIFY_CHANNEL_LIMITS must look like "sms=60,voice=30" (got '${raw}')`)
      return { ...DEFAULT_RATE_LIMITS.perChannel }
    }
    out[k] = n
  }
  return out
}

/** Reads the delivery settings from the environment; problems are appended to `errors`. */
export function loadDeliveryConfig(env: NodeJS.ProcessEnv, errors: string[]): DeliveryConfig {
  const int = envIntReader(env, errors)
  const smtpUrl = env.VIGIL_SMTP_URL || undefined
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl))
    errors.push('VIGIL_SMTP_URL must be an smtp:// or smtps:// URL')
  const twilioUrl = env.VIGIL_TWILIO_URL || DEFAULT_DELIVERY.twilioUrl
  if (!/^https?:\/\//.test(twilioUrl)) errors.push('VIGIL_TWILIO_URL must be an http(s) URL')
  const twilio = [env.VIGIL_TWILIO_SID, env.VIGIL_TWILIO_TOKEN, env.VIGIL_TWILIO_FROM].filter(Boolean).length
  if (twilio !== 0 && twilio !== 3)
    errors.push('VIGIL_TWILIO_SID, VIGIL_TWILIO_TOKEN and VIGIL_TWILIO_FROM must be set together')
  return {
    ...DEFAULT_DELIVERY,
    pollMs: int('VIGIL_DELIVERY_POLL_MS', DEFAULT_DELIVERY.pollMs, 0, 60_000),
    smtpUrl,
    smtpFrom: env.VIGIL_SMTP_FROM || DEFAULT_DELIVERY.smtpFrom,
    webhookSecret: env.VIGIL_WEBHOOK_SECRET || undefined,
    webhookAllowPrivate: bool('VIGIL_WEBHOOK_ALLOW_PRIVATE', env.VIGIL_WEBHOOK_ALLOW_PRIVATE, errors),
    twilioUrl,
    twilioSid: env.VIGIL_TWILIO_SID || undefined,
    twilioToken: env.VIGIL_TWILIO_TOKEN || undefined,
    twilioFrom: env.VIGIL_TWILIO_FROM || undefined,
    desktopReceiptMs: int('VIGIL_DESKTOP_RECEIPT_MS', DEFAULT_DELIVERY.desktopReceiptMs, 100, 600_000),
    maxAttempts: int('VIGIL_NOTIFY_MAX_ATTEMPTS', DEFAULT_DELIVERY.maxAttempts, 1, 50),
    rateLimits: {
      windowMs: int('VIGIL_NOTIFY_RATE_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
      perUser: int('VIGIL_NOTIFY_USER_LIMIT', DEFAULT_RATE_LIMITS.perUser, 1, 1_000_000),
      perChannel: channelLimits(env.VIGIL_NOTIFY_CHANNEL_LIMITS, errors),
    },
  }
}

/** true/1/yes or false/0/no (case-insensitive); unset is false; anything else is a configuration error. */
function bool(name: string, raw: string | undefined, errors: string[]): boolean {
  if (raw === undefined || raw === '') return false
  const v = raw.trim().toLowerCase()
  if (['true', '1', 'yes'].includes(v)) return true
  if (!['false', '0', 'no'].includes(v)) errors.push(`${name} must be true or false (got '${raw}')`)
  return false
}
