/** Runs the steady-rate alert sender in a worker thread (see sender-worker.ts for why). */
import { Worker } from 'node:worker_threads'
import type { SendOutcome } from '../escalation/sender'

/** What the worker needs: where, how fast, and which body (an Opsgenie alert, or a copy of `template`). */
export interface WorkerSend {
  urls: string[]
  apiKey: string
  rate: number
  total: number
  /** Aliases are prefix + alert number. */
  prefix: string
  /** A streamed alert document: the raw server is sent a copy of it (own id and alias) to broadcast. */
  template?: Record<string, unknown>
  concurrency?: number
}

/** Sends in a worker thread and resolves with its outcome (timestamps are comparable across threads). */
export function sendInWorker(o: WorkerSend): Promise<SendOutcome> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript too: Node 20 workers do not inherit tsx's loader, so the worker registers
    // it (tsx/esm/api) before importing the module.
    const file = new URL('./sender-worker.ts', import.meta.url).href
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(file)}) })`
    const w = new Worker(boot, { eval: true, workerData: o })
    let done = false
    w.once('message', (m: SendOutcome) => {
      done = true
      resolve(m)
      void w.terminate()
    })
    w.once('error', reject)
    w.once('exit', (code) => {
      if (!done) reject(new Error(`sender worker exited (${code}) without an outcome`))
    })
  })
}
