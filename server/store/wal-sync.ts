import { closeSync, constants, fsyncSync, openSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Makes committed SQLite transactions durable without blocking the event loop. The connection runs with
 * synchronous=NORMAL, so COMMIT writes the WAL but does not fsync it; this fsyncs the WAL file on the
 * libuv thread pool instead. fsync flushes the whole file, so one call covers every transaction committed
 * before it started: callers that arrive while one runs share the next (group fsync).
 */
export class WalSync {
  private handle: Awaited<ReturnType<typeof open>> | undefined
  private running: Promise<void> | undefined
  private queued: Promise<void> | undefined

  constructor(private readonly dbFile: string) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.flush().finally(() => {
        this.running = undefined
      })
      return this.running
    }
    // A flush already running may have started before the caller's commit: wait for the next one.
    this.queued ??= this.running.then(() => {
      this.queued = undefined
      return this.sync()
    })
    return this.queued
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
    await this.running
    await this.handle?.close()
    this.handle = undefined
  }
}
