import type { NotificationPayload } from '../../core/model/notification'

/** One message to send: a bundle of one or more notifications for one person at one address. */
export interface OutgoingMessage {
  /** The bundle id (the first delivery's id): idempotency key and receipt id for providers that take one. */
  id: string
  userId: string
  address: string
  notifications: NotificationPayload[]
}

/**
 * What became of a send. `temporary` errors are retried with backoff, `permanent` ones are final, and
 * `unconfigured` means the channel cannot work at all here (no SMTP URL, no provider): the delivery becomes
 * undeliverable instead of retrying forever.
 */
export type SendResult =
  | { ok: true; providerResponse?: string }
  | {
      ok: false
      error: 'temporary' | 'permanent' | 'unconfigured'
      message: string
      providerResponse?: string
    }

/** A delivery channel: e-mail, webhook, SMS, voice, desktop. */
export interface Channel {
  /** How the alert log names it ("email", "SMS", "voice call", ...). */
  readonly label: string
  send(message: OutgoingMessage): Promise<SendResult>
}

/** The channels by step contact method; a method without an entry is undeliverable. */
export type Channels = Partial<Record<string, Channel>>

/** A channel that always answers `unconfigured`, so the delivery says why instead of crashing. */
export function unconfiguredChannel(label: string, why: string): Channel {
  return { label, send: async () => ({ ok: false, error: 'unconfigured', message: why }) }
}

/** A short, single-line form of an error for logs and `last_error`. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.replace(/\s+/g, ' ').trim().slice(0, 500)
}
