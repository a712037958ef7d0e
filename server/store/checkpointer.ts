import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Plain JavaScript so the worker runs the same under tsx, vitest and a bundle; it only calls SQLite.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 2000')
let busy = false
const tick = () => {
  if (busy) return
  busy = true
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage({ error: String(err) }) }
  busy = false
}
const timer = setInterval(tick, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m === 'close') { clearInterval(timer); tick(); db.close(); parentPort.postMessage('closed') }
})
`

/**
 * Checkpoints the SQLite WAL from a worker thread. A checkpoint copies WAL pages into the database file
 * and fsyncs both; SQLite's automatic checkpoint would do that inside a COMMIT on the event loop, stalling
 * every request. The main connection keeps a large automatic threshold only as a backstop.
 */
export class Checkpointer {
  private readonly worker: Worker
  private lastError: string | undefined

  constructor(file: string, intervalMs = 250) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } })
    this.worker.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && 'error' in m) this.lastError = String((m as { error: unknown }).error)
    })
    this.worker.unref()
  }

  /** The last checkpoint error, if any (shown by /ready's caller when debugging). */
  error(): string | undefined {
    return this.lastError
  }

  /** Runs a final checkpoint and stops the worker. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.worker.on('message', (m) => m === 'closed' && resolve())
      this.worker.on('exit', () => resolve())
    })
    // Unref'd so it never holds the process open; while closing, it must, or Node exits mid-checkpoint.
    this.worker.ref()
    this.worker.postMessage('close')
    await closed
    await this.worker.terminate()
  }
}
