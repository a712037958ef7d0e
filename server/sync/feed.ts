/**
 * The change feed: notices committed changes and hands them to the fan-out. It polls the committed
 * change sequence (one primary-key read of the counters row) every few milliseconds, and reads the
 * changed rows only when it moved. Polling rather than a notifier that writers call: every write path,
 * including HTTP routes that know nothing of sync and other server instances, bumps the same counter in
 * its transaction, so one cheap read sees them all, on both stores, with no hook in any writer. `kick()`
 * polls at once (after a write on this instance) so local writes do not wait for the next tick.
 *
 * Only durable changes are streamed: on SQLite a COMMIT is on disk only after the WAL fsync that every
 * HTTP write waits for before answering (Store.sync). A change streamed before it could vanish in a power
 * loss while clients keep it and a checkpoint past its sequence, which the server would then hand out
 * again to other rows: skipped documents. So a tick waits for the fsync covering what it read (the same
 * group fsync the writes' answers wait for) before it sends anything.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import { SYNC_COLLECTIONS, type SyncCollection } from '../../core/sync/protocol'
import { changesOf, highWater, probe } from './changes'
import type { Change } from './sources/source'
import type { SyncDatabase } from './tables'

/** Changes per collection streamed in one tick; past it the collection gets RESYNC instead. */
export const FEED_BURST_LIMIT = 500

/** Where a tick's results go: every collection's changes at once (one packet per batch socket), then RESYNCs. */
export interface FeedSink {
  tick(parts: Array<{ collection: SyncCollection; changes: Change[] }>, mark: number): void
  resync(collection: SyncCollection): void
}

/** Polls for committed changes until stopped. */
export class ChangeFeed {
  private mark = 0
  /** Every change at or below it is on disk (the feed waited for an fsync that covers it). */
  private durableTo = 0
  private timer: NodeJS.Timeout | undefined
  private immediate: NodeJS.Immediate | undefined
  private running = false
  private again = false
  private stopped = false
  /** A local write committed since the last tick: the tick may skip the idle check. */
  private kicked = false

  constructor(
    private readonly db: Kysely<SyncDatabase>,
    private readonly sink: FeedSink,
    private readonly log: FastifyBaseLogger,
    private readonly intervalMs: number,
    /** Resolves once every change committed before the call is durable (Store.sync). */
    private readonly durable: () => Promise<void> = () => Promise.resolve(),
    /** Whether any socket on this instance listens; with none, ticks only move the mark. */
    private readonly listening: () => boolean = () => true,
  ) {}

  /** Starts from the current committed sequence: older changes reach clients through pulls. */
  async start(): Promise<void> {
    this.mark = await highWater(this.db)
    // What an earlier process committed may still sit unsynced in the OS cache.
    await this.durable()
    this.durableTo = this.mark
    this.schedule(this.intervalMs)
  }

  /** The change sequence up to which everything is known to be durable. */
  durableMark(): number {
    return this.durableTo
  }

  /** Polls as soon as possible. */
  kick(): void {
    if (this.stopped) return
    this.kicked = true
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
    clearImmediate(this.immediate)
    while (this.running) await new Promise((r) => setTimeout(r, 1))
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer)
    clearImmediate(this.immediate)
    if (this.stopped) return
    // At once means this turn of the event loop, not a timer's next millisecond.
    if (ms === 0) this.immediate = setImmediate(() => void this.tick())
    else {
      this.timer = setTimeout(() => void this.tick(), ms)
      this.timer.unref()
    }
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    this.again = false
    const kicked = this.kicked
    this.kicked = false
    try {
      if (!this.listening()) {
        // Nobody to stream to: reading and encoding every change would tax each write for nothing. A socket
        // that connects later gets RESYNC and pulls from its own checkpoint, so moving the mark loses nothing.
        // The mark is read before asking again whether anyone listens: a socket that joined meanwhile pulled
        // after that read, so nothing committed after it can fall between its pull and the stream.
        const upTo = await highWater(this.db)
        if (!this.listening()) {
          this.mark = Math.max(this.mark, upTo)
          return
        }
      }
      // Idle ticks cost one primary-key read; the probe (one statement) runs only when something committed
      // (a kick says so already; the probe's own mark tells the truth either way).
      const moved = kicked || (await highWater(this.db)) > this.mark
      const p = moved ? await probe(this.db, this.mark) : undefined
      const mark = p?.mark ?? this.mark
      if (p && mark > this.mark) {
        const from = this.mark
        const collections = SYNC_COLLECTIONS.filter((c) => p.docs.has(c) || p.tombs.has(c))
        // Everything up to the mark had committed when the probe read it: this fsync covers it.
        const synced = this.durable()
        // Awaited below; a failure there fails the tick (retried, the mark unmoved), never unhandled.
        synced.catch(() => {})
        const lists = await Promise.all(
          collections.map((c) =>
            changesOf(this.db, c, from, mark, FEED_BURST_LIMIT + 1, undefined, {
              docs: p.docs.has(c),
              tombs: p.tombs.has(c),
            }),
          ),
        )
        const parts: Array<{ collection: SyncCollection; changes: Change[] }> = []
        const bursts: SyncCollection[] = []
        collections.forEach((c, i) => {
          const list = lists[i] ?? []
          if (list.length > FEED_BURST_LIMIT) bursts.push(c)
          else if (list.length) parts.push({ collection: c, changes: list })
        })
        await synced
        this.durableTo = Math.max(this.durableTo, mark)
        if (parts.length) this.sink.tick(parts, mark)
        for (const c of bursts) this.sink.resync(c)
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
