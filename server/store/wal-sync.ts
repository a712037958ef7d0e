import { closeSync, constants, fsyncSync, openSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Makes committed SQLite transactions durable without blocking the event loop. The connection runs with
 * synchronous=NORMAL, so COMMIT writes the WAL but does not fsync it; this fsyncs the WAL file on the
 * libuv thread pool instead. fsync flushes the whole file, so one call covers every transaction committed
 * before it started: every caller that arrives before a flush starts shares it (group fsync), and callers
 * that arrive while one runs share the next.
 */
export class WalSync {
  private handle: Awaited<ReturnType<typeof open>> | undefined
  private running: Promise<void> | undefined
  /** The flush not started yet, which every new caller joins. */
  private next: Promise<void> | undefined

  constructor(private readonly dbFile: string) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    this.next ??= this.startNext()
    return this.next
  }

  private async startNext(): Promise<void> {
    // One fsync at a time; a flush already running may have started before the callers' commits.
    await this.running?.catch(() => {})
    // The answers of one group commit ask one after another within this turn of the event loop: one
    // fsync for all of them rather than one for the first and a second for the rest.
    await new Promise<void>((r) => setImmediate(r))
    // From here on, a new caller may have committed after this flush starts: it waits for the next one.
    this.next = undefined
    const run = this.flush()
    this.running = run
    try {
      await run
    } finally {
      if (this.running === run) this.running = undefined
    }
  }

  private async flush(): Promise<void> {
    if (!this.handle) {
      this.handle = await open(`${this.dbFile}-wal`, constants.O_RDONLY)
      // The WAL's directory entry must be durable too, once, when the file first exists.
      const dir = openSync(dirname(this.dbFile), 'r')
      try {
        fsyncSync(dir)
      } finally {
        closeSync(dir)
      }
    }
    await this.handle.sync()
  }

  /** Closes the WAL handle (after the database is closed). */
  async close(): Promise<void> {
    await this.next
    await this.running
    await this.handle?.close()
    this.handle = undefined
  }
}
