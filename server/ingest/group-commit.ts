import type { FastifyBaseLogger } from 'fastify'
import type { Insertable, Transaction } from 'kysely'
import type { Metrics } from '../metrics'
import type { AlertLogsTable, AlertRequestsTable, Database } from '../store/schema'
import { reserveCounter, type Store } from '../store/store'

/** One request's share of a group commit: runs inside the batch's transaction. */
export type WriteJob<T> = (trx: Transaction<Database>, batch: Batch) => Promise<T>

/** Counter blocks are reserved this many at a time; unused values become harmless gaps. */
const COUNTER_BLOCK = 256

/**
 * Per-transaction helpers: counter values (change sequence, tinyId) and rows that are cheaper to
 * insert together (logs, request statuses) than one statement per request.
 */
export class Batch {
  private readonly pools = new Map<string, { next: number; end: number }>()
  private logs: Insertable<AlertLogsTable>[] = []
  private requests: Insertable<AlertRequestsTable>[] = []

  constructor(private readonly trx: Transaction<Database>) {}

  /** The next value of a named counter, in commit order across every writer. */
  async next(counter: 'change_seq' | 'tiny_id'): Promise<number> {
    let pool = this.pools.get(counter)
    if (!pool || pool.next > pool.end) {
      const first = await reserveCounter(this.trx, counter, COUNTER_BLOCK)
      pool = { next: first, end: first + COUNTER_BLOCK - 1 }
      this.pools.set(counter, pool)
    }
    return pool.next++
  }

  /** Queues an alert log row, written before the batch commits. */
  log(row: Insertable<AlertLogsTable>): void {
    this.logs.push(row)
  }

  /** Queues the request-status row of an async alert request. */
  request(row: Insertable<AlertRequestsTable>): void {
    this.requests.push(row)
  }

  /** Writes the queued rows; called once at the end of the batch, inside its transaction. */
  async flush(): Promise<void> {
    // SQLite caps bound parameters at 32,766; 8 columns × 500 rows stays well inside it.
    for (let i = 0; i < this.logs.length; i += 500) {
      await this.trx
        .insertInto('alert_logs')
        .values(this.logs.slice(i, i + 500))
        .execute()
    }
    for (let i = 0; i < this.requests.length; i += 500) {
      await this.trx
        .insertInto('alert_requests')
        .values(this.requests.slice(i, i + 500))
        .execute()
    }
    this.logs = []
    this.requests = []
  }
}

interface Pending {
  job: WriteJob<unknown>
  resolve(value: unknown): void
  reject(err: unknown): void
}

export interface GroupCommitOptions {
  /** Most jobs in one transaction. */
  maxBatch?: number
  /** Most jobs waiting; past it submit() fails fast so memory stays bounded (answered 503). */
  maxQueue?: number
}

/** Raised when the write queue is full; the HTTP layer answers 503 with Retry-After. */
export class WriteQueueFull extends Error {}

/**
 * Group commit: requests hand their write to one in-process writer that commits everything queued so
 * far in a single transaction, then answers each request. One fsync serves the whole batch. A job that
 * fails makes the batch roll back and its jobs run again one transaction each, so only the failing
 * request sees the error.
 */
export class GroupCommitWriter {
  private queue: Pending[] = []
  private running = false
  private closed = false
  private idle: Promise<void> = Promise.resolve()
  private readonly maxBatch: number
  private readonly maxQueue: number

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000
    this.maxQueue = opts.maxQueue ?? 20_000
  }

  /** Queues a write; resolves with its result once the transaction holding it has committed. */
  submit<T>(job: WriteJob<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('writer is closed'))
    if (this.queue.length >= this.maxQueue) return Promise.reject(new WriteQueueFull('write queue is full'))
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job: job as WriteJob<unknown>, resolve: resolve as (v: unknown) => void, reject })
      if (!this.running) this.start()
    })
  }

  /** Jobs waiting for a commit. */
  depth(): number {
    return this.queue.length
  }

  /** Stops accepting writes and waits until everything queued has committed. */
  async close(): Promise<void> {
    this.closed = true
    await this.idle
  }

  private start(): void {
    this.running = true
    this.idle = (async () => {
      // Yield once so requests arriving in the same tick join the first batch.
      await new Promise<void>((r) => setImmediate(r))
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, this.maxBatch)
        this.metrics.writeBatchSize.observe(jobs.length)
        await this.runBatch(jobs)
      }
      this.running = false
    })()
  }

  private async runBatch(jobs: Pending[]): Promise<void> {
    const results: unknown[] = []
    try {
      await this.store.db.transaction().execute(async (trx) => {
        const batch = new Batch(trx)
        for (const p of jobs) {
          results.push(await p.job(trx, batch))
        }
        await batch.flush()
      })
    } catch (err) {
      if (jobs.length === 1) {
        jobs[0]?.reject(err)
        return
      }
      this.log.warn({ err, jobs: jobs.length }, 'group commit failed; retrying its writes one by one')
      for (const p of jobs) await this.runBatch([p])
      return
    }
    jobs.forEach((p, i) => {
      p.resolve(results[i])
    })
  }
}
