/**
 * The alert sender in its own thread: when every client runs in the bench's main thread, the main event
 * loop is busy parsing stream messages, and a 202 read there would be timestamped late (making arrivals
 * look earlier than the answer). Here the 202 is noted as it comes. Started by sendInWorker.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { alertBody, sendAlerts } from '../escalation/sender'
import type { WorkerSend } from './send'

const o = workerData as WorkerSend
const outcome = await sendAlerts({
  urls: o.urls,
  apiKey: o.apiKey,
  rate: o.rate,
  total: o.total,
  ...(o.concurrency ? { concurrency: o.concurrency } : {}),
  body: (i) => {
    const alias = `${o.prefix}${i}`
    const json = o.template
      ? JSON.stringify({ ...o.template, id: `raw-${i}`, alias, tinyId: String(i) })
      : alertBody(alias, i)
    return { alias, json }
  },
})
parentPort?.postMessage(outcome)
