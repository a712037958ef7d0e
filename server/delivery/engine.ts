import type { FastifyBaseLogger } from 'fastify'
import type { Bundle } from '../../core/notify/bundle'
import type { Clock } from '../../core/time/clock'
import type { Channels, SendResult } from '../channels/channel'
import { errorText } from '../channels/channel'
import type { GroupCommitWriter } from '../ingest/group-commit'
import type { Store } from '../store/store'
import { type ClaimedDelivery, claimDue } from './claim'
import type { DeliveryConfig } from './config'
import { expandNotifications } from './expand'
import { writeShiftNotices } from './oncall-notices'
import { recordOutcome } from './record'

/** What the delivery engine is built from. */
export interface DeliveryEngineDeps {
  store: Store
  writer: GroupCommitWriter
  clock: Clock
  logger: FastifyBaseLogger
  config: DeliveryConfig
  channels: Channels
  /** Jitter source; tests pass a fixed one. */
  random?: () => number
}

/** Most bundles being sent at once; past it a sweep claims nothing new. */
const MAX_IN_FLIGHT = 100

/** Shift notices are looked for at most this often by the timer (a timeline per schedule is not free). */
const NOTICE_EVERY_MS = 60_000

/**
 * The notification outbox: writes shift notices, expands notifications into deliveries, and sends due
 * deliveries through the channels. Every step is a durable store transaction through the group-commit
 * writer; sends happen between two of them (claim under a lease, then record), so a crash between the two
 * leaves a `sending` row that is claimed again when its lease expires.
 */
export class DeliveryEngine {
  private timer: NodeJS.Timeout | undefined
  private busy = false
  private readonly inFlight = new Set<Promise<void>>()
  private readonly random: () => number
  private lastNotices = Number.NEGATIVE_INFINITY

  constructor(private readonly deps: DeliveryEngineDeps) {
    this.random = deps.random ?? Math.random
  }

  /** How long a claim holds a delivery: the slowest channel's time plus a margin. */
  get leaseMs(): number {
    const c = this.deps.config
    return Math.max(c.desktopReceiptMs, c.sendTimeoutMs) + c.sendTimeoutMs + 30_000
  }

  /** Writes due "on call" / "shift ends" notifications; returns how many were new. */
  notices(): Promise<number> {
    return writeShiftNotices(this.deps, this.deps.config.noticeLookAheadMs)
  }

  /** Expands pending notifications into deliveries (one bounded batch); returns how many. */
  expand(): Promise<number> {
    return expandNotifications(this.deps, this.deps.config.batchSize)
  }

  /** Claims due deliveries and starts sending them; resolves once claimed, with the sends' completion. */
  async dispatch(): Promise<{ bundles: number; done: Promise<void> }> {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return { bundles: 0, done: Promise.resolve() }
    // A cheap indexed peek first: most ticks find nothing and should not take the writer's transaction.
    const due = await this.deps.store.db
      .selectFrom('deliveries')
      .select('id')
      .where('state', 'in', ['pending', 'sending'])
      .where('next_attempt_at', '<=', this.deps.clock.now())
      .limit(1)
      .executeTakeFirst()
    if (!due) return { bundles: 0, done: Promise.resolve() }
    const c = this.deps.config
    const bundles = await this.deps.writer.submit((trx, batch) =>
      claimDue(trx, batch, this.deps.store.dialect, {
        now: this.deps.clock.now(),
        limit: c.batchSize,
        leaseMs: this.leaseMs,
        maxAttempts: c.maxAttempts,
        maxBundle: c.maxBundle,
        rateLimits: c.rateLimits,
        deferMs: Math.max(1000, Math.floor(c.rateLimits.windowMs / 4)),
      }),
    )
    const sends = bundles.map((b) => this.track(this.sendOne(b)))
    return { bundles: bundles.length, done: Promise.all(sends).then(() => undefined) }
  }

  /** One full pass, waiting for every send: notices, expansion, then dispatch until nothing is due. */
  async runOnce(): Promise<void> {
    await this.notices()
    while ((await this.expand()) > 0) {}
    for (;;) {
      const { bundles, done } = await this.dispatch()
      await done
      if (bundles === 0) break
    }
  }

  /** Waits for every send in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  /** Runs a pass every `pollMs` (unless 0) until stop(). */
  start(): void {
    const ms = this.deps.config.pollMs
    if (ms <= 0 || this.timer) return
    this.timer = setInterval(() => {
      if (this.busy) return
      this.busy = true
      this.tick()
        .catch((err) => this.deps.logger.error({ err }, 'delivery sweep failed'))
        .finally(() => {
          this.busy = false
        })
    }, ms)
    this.timer.unref()
  }

  /** Stops the timer and waits for sends in flight to be recorded. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.idle()
  }

  private async tick(): Promise<void> {
    const now = this.deps.clock.now()
    if (now - this.lastNotices >= NOTICE_EVERY_MS || now < this.lastNotices) {
      this.lastNotices = now
      await this.notices()
    }
    await this.expand()
    // Sends are not awaited: a desktop receipt can take its full receipt time, and other work goes on.
    await this.dispatch()
  }

  private track(p: Promise<void>): Promise<void> {
    const t = p.finally(() => this.inFlight.delete(t))
    this.inFlight.add(t)
    return t
  }

  private async sendOne(b: Bundle<ClaimedDelivery>): Promise<void> {
    const channel = this.deps.channels[b.channel]
    let result: SendResult
    if (!channel) {
      result = { ok: false, error: 'unconfigured', message: `no ${b.channel} channel exists` }
    } else {
      try {
        result = await channel.send({
          id: b.id,
          userId: b.userId,
          address: b.address,
          notifications: b.deliveries.map((d) => d.payload),
        })
      } catch (err) {
        // Channels return errors as values; one that throws anyway is treated as a temporary failure.
        result = { ok: false, error: 'temporary', message: errorText(err) }
      }
    }
    const c = this.deps.config
    try {
      await this.deps.writer.submit((trx, batch) =>
        recordOutcome(trx, batch, b, result, {
          now: this.deps.clock.now(),
          backoff: { baseMs: c.retryBaseMs, maxMs: 3_600_000, maxAttempts: c.maxAttempts },
          random: this.random,
        }),
      )
    } catch (err) {
      // The lease expires and the delivery is tried again: at least once, never lost.
      this.deps.logger.error({ err, bundle: b.id }, 'recording a delivery outcome failed')
    }
  }
}
