/**
 * Rate limits on outgoing messages (a bundle is one message). Pure: the caller counts what was sent in
 * the current window and asks which of the candidate messages may go now.
 *
 * - per user: at most `perUser` messages to one person in `windowMs`, across channels, so an alert storm
 *   does not page someone 200 times (what is held back is bundled into the next message);
 * - per channel: at most `perChannel[channel]` messages in `windowMs` across everyone (provider quotas:
 *   SMS and voice cost money and providers throttle).
 */
export interface RateLimits {
  windowMs: number
  perUser: number
  perChannel: Readonly<Record<string, number>>
}

/** Defaults: 10 messages a minute per person; per minute 600 e-mails, 600 webhooks, 60 SMS, 30 calls. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  windowMs: 60_000,
  perUser: 10,
  perChannel: { email: 600, webhook: 600, sms: 60, voice: 30, desktop: 6000 },
}

/** One message that wants to go out. */
export interface Candidate {
  userId: string
  channel: string
}

/** Messages already sent in the current window, per user and per channel. */
export interface SentCounts {
  byUser: ReadonlyMap<string, number>
  byChannel: ReadonlyMap<string, number>
}

/** Which candidates may go now (true) and which wait for the window to move (false), in order. */
export function admit(limits: RateLimits, sent: SentCounts, candidates: readonly Candidate[]): boolean[] {
  const byUser = new Map(sent.byUser)
  const byChannel = new Map(sent.byChannel)
  return candidates.map((c) => {
    const u = byUser.get(c.userId) ?? 0
    const ch = byChannel.get(c.channel) ?? 0
    const channelMax = limits.perChannel[c.channel] ?? Number.POSITIVE_INFINITY
    if (u >= limits.perUser || ch >= channelMax) return false
    byUser.set(c.userId, u + 1)
    byChannel.set(c.channel, ch + 1)
    return true
  })
}
