/**
 * The change feed: notices committed changes and hands them to the fan-out. It polls the committed
 * change sequence (one primary-key read of the counters row) every few milliseconds, and reads the
 * changed rows only when it moved. Polling rather than a notifier that writers call: every write path,
 * including HTTP routes that know nothing of sync and other server instances, bumps the same counter in
 * its transaction, so one cheap read sees them all, on both stores, with no hook in any writer. `kick()`
 * polls at once (after a write on this instance) so local writes do not wait for the next tick.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import { SYNC_COLLECTIONS, type SyncCollection } from '../../core/sync/protocol'
import { changesOf, highWater, probe } from './changes'
import type { Change } from './sources/source'
import type { SyncDatabase } from './tables'

/** Changes per collection streamed in one tick; past it the collection gets RESYNC instead. */
export const FEED_BURST_LIMIT = 500

export interface FeedSink {
  changes(collection: SyncCollection, changes: Change[], mark: number): void
  resync(collection: SyncCollection): void
}

/** Polls for committed changes until stopped. */
export class ChangeFeed {
  private mark = 0
  private timer: NodeJS.Timeout | undefined
  private running = false
  private again = false
  private stopped = false

  constructor(
    private readonly db: Kysely<SyncDatabase>,
    private readonly sink: FeedSink,
    private readonly log: FastifyBaseLogger,
    private readonly intervalMs: number,
  ) {}

  /** Starts from the current committed sequence: older changes reach clients through pulls. */
  async start(): Promise<void> {
    this.mark = await highWater(this.db)
    this.schedule(this.intervalMs)
  }

  /** Polls as soon as possible. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.schedule(0)
  }

  /** Stops polling and waits for a running tick. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    while (this.running) await new Promise((r) => setTimeout(r, 1))
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.timer = setTimeout(() => void this.tick(), ms)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    this.again = false
    try {
      // Idle ticks cost one primary-key read; the probe (one statement) runs only when something committed.
      const moved = (await highWater(this.db)) > this.mark
      const p = moved ? await probe(this.db, this.mark) : undefined
      const mark = p?.mark ?? this.mark
      if (p && mark > this.mark) {
        const from = this.mark
        const collections = SYNC_COLLECTIONS.filter((c) => p.docs.has(c) || p.tombs.has(c))
        const lists = await Promise.all(
          collections.map((c) =>
            changesOf(this.db, c, from, mark, FEED_BURST_LIMIT + 1, undefined, {
              docs: p.docs.has(c),
              tombs: p.tombs.has(c),
            }),
          ),
        )
        collections.forEach((c, i) => {
          const list = lists[i] ?? []
          if (list.length > FEED_BURST_LIMIT) this.sink.resync(c)
          else if (list.length) this.sink.changes(c, list, mark)
        })
        this.mark = mark
      }
    } catch (err) {
      this.log.warn({ err }, 'sync change feed tick failed')
    } finally {
      this.running = false
      this.schedule(this.again ? 0 : this.intervalMs)
    }
  }
}
