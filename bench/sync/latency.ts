/**
 * One latency measurement: connect the clients, send alerts at a steady rate over HTTP, and note when each
 * client saw each alert. Vigil and the raw broadcast are measured with the same code.
 */
import { nowMs } from '../escalation/sender'
import { rssMiB } from '../escalation/servers'
import { ArrivalLog, arrivalLatencies } from './arrivals'
import { connectMixed, type Fleet, type Replicas } from './fleet'
import { figuresOf, type TargetLatency } from './report'
import { sendInWorker } from './send'

/** How one target is driven. */
export interface LatencyRun {
  /** Server base URL: Socket.IO and POST /v2/alerts. */
  url: string
  /** Session token for the handshake (Vigil); none for the raw server. */
  token?: string
  /** GenieKey for POST /v2/alerts (ignored by the raw server). */
  apiKey: string
  clients: number
  /** How many of `clients` are console replicas (Vigil only). */
  replicas: number
  rate: number
  warmupSec: number
  seconds: number
  /** Unique per run and target; aliases are prefix + alert number. */
  prefix: string
  /** The raw server's payload: a streamed Vigil document to copy; absent: Opsgenie alert bodies (Vigil). */
  template?: Record<string, unknown>
  /** The server process whose memory is sampled while connected. */
  pid?: number
  log: (msg: string) => void
}

/** What a run produced, and the server's memory while the clients were connected. */
export interface LatencyOutcome {
  result: TargetLatency
  rssIdle: number
  rssPeak: number
  /** One streamed alert document as the clients received it (the raw broadcast sends the same shape). */
  sample?: unknown
}

/** Waits until every client has every answered alert, or `graceMs` has passed since sending ended. */
async function drain(log: ArrivalLog, ackAt: Float64Array, graceMs: number): Promise<void> {
  const deadline = nowMs() + graceMs
  const last = Array.from({ length: Math.min(20, log.alerts) }, (_, k) => log.alerts - 1 - k)
  while (nowMs() < deadline) {
    let missing = false
    for (const i of last) {
      if (Number.isNaN(ackAt[i] as number)) continue
      for (let c = 0; c < log.clients && !missing; c++) missing = Number.isNaN(log.at(c, i))
      if (missing) break
    }
    if (!missing) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Runs one target; a failure to connect or send becomes `result.error`, never a throw. */
export async function measureLatency(o: LatencyRun): Promise<LatencyOutcome> {
  const sockets = o.clients - o.replicas
  const result: TargetLatency = { sent: 0, rejected: 0, rate: 0 }
  let fleet: Fleet | undefined
  let replicas: Replicas | undefined
  let rssIdle = Number.NaN
  let rssPeak = Number.NaN
  let sample: unknown
  try {
    o.log(`connecting ${sockets} sockets${o.replicas ? ` and ${o.replicas} replicas` : ''} to ${o.url}`)
    ;({ fleet, replicas } = await connectMixed(o.url, o.token, sockets, o.replicas))
    await new Promise((r) => setTimeout(r, 2000))
    rssIdle = rssMiB(o.pid)
    rssPeak = rssIdle
    const warm = Math.round(o.rate * o.warmupSec)
    const total = warm + Math.round(o.rate * o.seconds)
    const log = new ArrivalLog(o.prefix, total, o.clients)
    const sink = (c: number, alias: unknown, at: number) => log.record(c, alias, at)
    fleet.setSink(sink)
    replicas?.setSink(sink)
    const sampler = setInterval(() => {
      const r = rssMiB(o.pid)
      if (r > rssPeak || Number.isNaN(rssPeak)) rssPeak = r
    }, 250)
    o.log(`sending ${total} alerts at ${o.rate}/s (${warm} warm-up)`)
    const sent = await sendInWorker({
      urls: [o.url],
      apiKey: o.apiKey,
      rate: o.rate,
      total,
      prefix: o.prefix,
      ...(o.template ? { template: o.template } : {}),
    }).finally(() => clearInterval(sampler))
    const ackAt = Float64Array.from(sent.alerts, (a) => (a.status === 202 ? a.ackAt : Number.NaN))
    await drain(log, ackAt, 5000)
    fleet.setSink(undefined)
    replicas?.setSink(undefined)
    sample = fleet.sample()
    result.sent = sent.alerts.length
    result.rejected = sent.alerts.filter((a) => a.status !== 202).length
    result.rate = sent.rate
    result.socket = figuresOf(sockets, arrivalLatencies(log, ackAt, warm, [0, sockets]))
    if (o.replicas > 0)
      result.store = figuresOf(o.replicas, arrivalLatencies(log, ackAt, warm, [sockets, o.clients]))
  } catch (err) {
    result.error = err instanceof Error ? err.message.split('\n')[0] : String(err)
    o.log(`FAILED: ${result.error}`)
  } finally {
    fleet?.close()
    await replicas?.close()
  }
  return { result, rssIdle, rssPeak, sample }
}
