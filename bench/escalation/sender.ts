/**
 * Sends alerts over HTTP at a steady rate (an open-loop schedule: alert i is due at start + i / rate,
 * whatever the answers before it did) and records when each was sent and when its answer came.
 */
import { Agent, request } from 'node:http'

/** Wall-clock epoch milliseconds with sub-millisecond resolution, comparable across worker threads. */
export const nowMs = (): number => performance.timeOrigin + performance.now()

/** How many of `total` alerts are due `elapsedMs` after the start at `rate` per second (the first at 0). */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1)
}

/** One alert sent. `ackAt` is when the answer's head arrived; NaN when none did. */
export interface SentAlert {
  alias: string
  sentAt: number
  ackAt: number
  status: number
  error?: string
}

/** What a sending phase did. */
export interface SendOutcome {
  alerts: SentAlert[]
  startedAt: number
  endedAt: number
  /** Alerts per second actually sent (first to last send). */
  rate: number
}

/** Options for sendAlerts. */
export interface SendOptions {
  /** Servers to send to; alert i goes to urls[i % urls.length] (round robin, as a load balancer would). */
  urls: string[]
  apiKey: string
  rate: number
  total: number
  /** The request body of alert i (an Opsgenie create-alert body with a unique alias). */
  body: (i: number) => { alias: string; json: string }
  /** Most requests in flight; a slow server makes later alerts late rather than the client unbounded. */
  concurrency?: number
  /**
   * Most requests issued but unanswered (queued in the agent included). Unbounded by default: an open-loop
   * schedule must not slow down because the server does; a throughput run sets a bound instead.
   */
  maxInFlight?: number
  timeoutMs?: number
}

/** POSTs one body; resolves with the status and the instant the response head arrived. */
function post(
  url: URL,
  agent: Agent,
  apiKey: string,
  json: string,
  timeoutMs: number,
): Promise<{ status: number; at: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(json),
          authorization: `GenieKey ${apiKey}`,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const at = nowMs()
        res.resume()
        res.once('end', () => resolve({ status: res.statusCode ?? 0, at }))
        res.once('error', (e) => resolve({ status: res.statusCode ?? 0, at, error: e.message }))
      },
    )
    req.once('timeout', () => req.destroy(new Error('timeout')))
    req.once('error', (e) => resolve({ status: 0, at: Number.NaN, error: e.message }))
    req.end(json)
  })
}

/** Sends `total` alerts at `rate`/s to `${url}/v2/alerts`; resolves when every answer is in. */
export async function sendAlerts(o: SendOptions): Promise<SendOutcome> {
  const concurrency = o.concurrency ?? 32
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const targets = o.urls.map((u) => new URL('/v2/alerts', u))
  const alerts: SentAlert[] = new Array(o.total)
  const inFlight = new Set<Promise<void>>()
  const startedAt = nowMs()
  let next = 0
  let lastSend = startedAt
  try {
    while (next < o.total) {
      const due = dueCount(nowMs() - startedAt, o.rate, o.total)
      while (next < due) {
        if (inFlight.size >= (o.maxInFlight ?? Number.POSITIVE_INFINITY)) await Promise.race(inFlight)
        const i = next++
        const { alias, json } = o.body(i)
        const sentAt = nowMs()
        lastSend = sentAt
        const p = post(targets[i % targets.length] as URL, agent, o.apiKey, json, o.timeoutMs ?? 30_000).then(
          (r) => {
            alerts[i] = {
              alias,
              sentAt,
              ackAt: r.at,
              status: r.status,
              ...(r.error ? { error: r.error } : {}),
            }
            inFlight.delete(p)
          },
        )
        inFlight.add(p)
      }
      if (next >= o.total) break
      const wait = startedAt + (next * 1000) / o.rate - nowMs()
      await new Promise((r) => setTimeout(r, Math.max(0, wait)))
    }
    await Promise.all(inFlight)
  } finally {
    agent.destroy()
  }
  const span = (lastSend - startedAt) / 1000
  return { alerts, startedAt, endedAt: nowMs(), rate: span > 0 ? (o.total - 1) / span : o.total }
}

/** An Opsgenie create-alert body of realistic size (message, description, tags, details). */
export function alertBody(alias: string, i: number, priority = 'P3'): string {
  return JSON.stringify({
    message: `bench alert ${i}: disk usage above 90% on host-${i % 500}`,
    alias,
    description: `Filesystem /var on host-${i % 500} is at 9${i % 10}% (threshold 90%).`,
    source: 'vigil-bench',
    entity: `host-${i % 500}`,
    tags: ['bench', `shard-${i % 16}`],
    details: { region: `r${i % 4}`, runbook: 'https://runbooks.example/disk-full' },
    priority,
  })
}
