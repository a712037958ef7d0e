import type { FastifyBaseLogger } from 'fastify'
import type { Insertable, QueryCreator, Transaction } from 'kysely'
import type { Metrics } from '../metrics'
import type { Dialect } from '../store/dialect'
import type { AlertLogsTable, AlertRequestsTable, Database } from '../store/schema'
import type { Prepare } from '../store/sqlite'
import { insertRows } from '../store/sqlite-rows'
import { reserveCounters, reserveCountersWithVersion, type Store } from '../store/store'

/** One request's share of a group commit: runs inside the batch's transaction. */
export type WriteJob<T> = (trx: Transaction<Database>, batch: Batch) => Promise<T>

/**
 * A kind of write that is cheaper done for many requests at once (one multi-row statement instead of
 * one per request). Consecutive queued inputs of the same group run together, in queue order.
 */
export interface WriteGroup<I, T> {
  run(trx: Transaction<Database>, batch: Batch, inputs: I[]): Promise<T[]>
}

type Counter = 'change_seq' | 'tiny_id'
const COUNTERS: readonly Counter[] = ['change_seq', 'tiny_id']

/** Counter blocks are reserved this many at a time; unused values become harmless gaps. */
const COUNTER_BLOCK = 256

/** Rows per multi-row insert: SQLite caps bound parameters at 32,766, and no side table has 30 columns. */
const CHUNK = 500

type Rows<K extends keyof Database> = Insertable<Database[K]>[]

type SideTable =
  | 'alert_tags'
  | 'alert_details'
  | 'alert_notes'
  | 'escalation_runs'
  | 'alert_logs'
  | 'alert_requests'
/** Rows a write queues for its new alerts. */
type AlertRows = 'alert_tags' | 'alert_details' | 'alert_notes' | 'escalation_runs'
/** Insert order: tags, details, notes and runs reference alerts; logs and requests come last. */
const SIDE_TABLES: readonly SideTable[] = [
  'alert_tags',
  'alert_details',
  'alert_notes',
  'escalation_runs',
  'alert_logs',
  'alert_requests',
]

/**
 * Per-transaction helpers: counter values (change sequence, tinyId) and side-table rows that are
 * cheaper to insert together (logs, request statuses, tags, details, notes) than one statement per request.
 */
export class Batch {
  private readonly pools = new Map<string, { next: number; end: number }>()
  private pending: {
    [K in SideTable]: Rows<K>
  } = Batch.empty()

  constructor(
    private readonly trx: Transaction<Database>,
    /** The store's dialect, for writes that lock rows on PostgreSQL only. */
    readonly dialect: Dialect,
    /** SQLite's cached prepared statements (Store.prepare): hot rows skip Kysely's per-batch compile. */
    readonly prepare?: Prepare,
  ) {}

  private static empty() {
    return {
      alert_logs: [],
      alert_requests: [],
      alert_tags: [],
      alert_details: [],
      alert_notes: [],
      escalation_runs: [],
    }
  }

  /** The next value of a named counter, in commit order across every writer. */
  async next(counter: Counter): Promise<number> {
    let pool = this.pools.get(counter)
    if (!pool || pool.next > pool.end) {
      // Both counters are refilled together: one round trip instead of two on PostgreSQL.
      const empty = this.emptyCounters()
      this.fill(
        empty,
        await reserveCounters(this.trx, Object.fromEntries(empty.map((c) => [c, COUNTER_BLOCK]))),
      )
      pool = this.pools.get(counter) as { next: number; end: number }
    }
    return pool.next++
  }

  /**
   * Refills the counter blocks that are used up and reads the configuration version (largest audit id)
   * in the same statement: a create batch on PostgreSQL needs both, and each round trip costs.
   */
  async reserveWithVersion(): Promise<number> {
    const empty = this.emptyCounters()
    const { first, version } = await reserveCountersWithVersion(
      this.trx,
      Object.fromEntries(empty.map((c) => [c, COUNTER_BLOCK])),
    )
    this.fill(empty, first)
    return version
  }

  private emptyCounters(): Counter[] {
    return COUNTERS.filter((c) => {
      const p = this.pools.get(c)
      return !p || p.next > p.end
    })
  }

  private fill(counters: Counter[], firsts: Record<string, number>): void {
    for (const c of counters) {
      const first = firsts[c] as number
      this.pools.set(c, { next: first, end: first + COUNTER_BLOCK - 1 })
    }
  }

  /** Queues an alert log row, written before the batch commits. */
  log(row: Insertable<AlertLogsTable>): void {
    this.pending.alert_logs.push(row)
  }

  /** Queues the request-status row of an async alert request. */
  request(row: Insertable<AlertRequestsTable>): void {
    this.pending.alert_requests.push(row)
  }

  /** Queues rows of a new alert: tags, details, creation note, escalation run. */
  add<K extends AlertRows>(table: K, rows: Rows<K>): void {
    ;(this.pending[table] as Rows<K>).push(...rows)
  }

  /** Writes the queued rows; the writer calls it after each group so later writes see them. */
  async flush(): Promise<void> {
    const pending = this.pending
    this.pending = Batch.empty()
    // Replication numbers log rows from this batch's reserved block (migration 013), not by a trigger.
    for (const row of pending.alert_logs) {
      const r = row as { change_seq?: number }
      r.change_seq ??= await this.next('change_seq')
    }
    if (this.prepare) {
      for (const table of SIDE_TABLES) insertRows(this.prepare, table, pending[table])
      return
    }
    const inserts: Insert[] = []
    for (const table of SIDE_TABLES) {
      const rows = pending[table] as Rows<SideTable>
      for (let i = 0; i < rows.length; i += CHUNK) inserts.push({ table, rows: rows.slice(i, i + CHUNK) })
    }
    if (this.dialect !== 'postgres') {
      for (const ins of inserts)
        await this.trx
          .insertInto(ins.table)
          .values(ins.rows as never)
          .execute()
      return
    }
    for (const group of byParams(inserts)) {
      // One round trip: every insert but the last runs as a data-modifying CTE of the last one.
      const last = group.pop() as Insert
      let q = this.trx as unknown as QueryCreator<Database>
      group.forEach((ins, i) => {
        q = q.with(`w${i}`, (db) => db.insertInto(ins.table).values(ins.rows as never) as never) as never
      })
      await q
        .insertInto(last.table)
        .values(last.rows as never)
        .execute()
    }
  }
}

type Insert = { table: SideTable; rows: Rows<SideTable> }

/** Bound parameters per PostgreSQL statement: its protocol caps them at 65,535. */
const PARAM_BUDGET = 30_000

/** Splits inserts into statements that each stay under PARAM_BUDGET bound parameters. */
function byParams(inserts: Insert[]): Insert[][] {
  const groups: Insert[][] = []
  let current: Insert[] = []
  let params = 0
  for (const ins of inserts) {
    const n = ins.rows.length * Object.keys(ins.rows[0] ?? {}).length
    if (current.length > 0 && params + n > PARAM_BUDGET) {
      groups.push(current)
      current = []
      params = 0
    }
    current.push(ins)
    params += n
  }
  if (current.length > 0) groups.push(current)
  return groups
}

interface Pending {
  group: WriteGroup<unknown, unknown>
  input: unknown
  resolve(value: unknown): void
  reject(err: unknown): void
}

/** Plain jobs: each runs on its own, in order, inside the shared transaction. */
const SINGLE: WriteGroup<WriteJob<unknown>, unknown> = {
  async run(trx, batch, jobs) {
    const out: unknown[] = []
    for (const job of jobs) out.push(await job(trx, batch))
    return out
  },
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
  private readonly committed: Array<() => void> = []

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
    return this.submitTo(SINGLE as WriteGroup<WriteJob<T>, T>, job)
  }

  /** Queues one input of a grouped write; resolves with its own result once committed. */
  submitTo<I, T>(group: WriteGroup<I, T>, input: I): Promise<T> {
    if (this.closed) return Promise.reject(new Error('writer is closed'))
    if (this.queue.length >= this.maxQueue) return Promise.reject(new WriteQueueFull('write queue is full'))
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        group: group as WriteGroup<unknown, unknown>,
        input,
        resolve: resolve as (v: unknown) => void,
        reject,
      })
      if (!this.running) this.start()
    })
  }

  /** Calls `listener` after every committed batch (replication looks for the new changes at once). */
  onCommit(listener: () => void): void {
    this.committed.push(listener)
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
        const batch = new Batch(trx, this.store.dialect, this.store.prepare)
        for (let i = 0; i < jobs.length; ) {
          const group = jobs[i]?.group
          let j = i
          while (j < jobs.length && jobs[j]?.group === group) j++
          if (!group) break
          const out = await group.run(
            trx,
            batch,
            jobs.slice(i, j).map((p) => p.input),
          )
          results.push(...out)
          await batch.flush()
          i = j
        }
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
    for (const listener of this.committed) listener()
    jobs.forEach((p, i) => {
      p.resolve(results[i])
    })
  }
}
