/**
 * Pure bookkeeping of a latency phase: when each client first saw each alert (by its alias), and the
 * latencies from each alert's 202 to its arrival, with the arrivals that never came counted, not hidden.
 */

/** First arrival per (client, alert); alerts are numbered by the suffix of their alias after `prefix`. */
export class ArrivalLog {
  private readonly times: Float64Array[]

  constructor(
    readonly prefix: string,
    readonly alerts: number,
    readonly clients: number,
  ) {
    this.times = Array.from({ length: clients }, () => new Float64Array(alerts).fill(Number.NaN))
  }

  /** The alert number an alias stands for, or -1 for another run's or phase's alert. */
  indexOf(alias: unknown): number {
    if (typeof alias !== 'string' || !alias.startsWith(this.prefix)) return -1
    const rest = alias.slice(this.prefix.length)
    if (!/^\d+$/.test(rest)) return -1
    const i = Number(rest)
    return i < this.alerts ? i : -1
  }

  /** Records client `c` seeing the document with `alias` at `at`; later sightings are ignored. */
  record(c: number, alias: unknown, at: number): void {
    const i = this.indexOf(alias)
    const row = this.times[c]
    if (i < 0 || !row || !Number.isNaN(row[i] as number)) return
    row[i] = at
  }

  /** First arrival of alert i at client c (NaN when it has not arrived). */
  at(c: number, i: number): number {
    return this.times[c]?.[i] ?? Number.NaN
  }
}

/** Latencies of the measured alerts, over every client of the log. */
export interface ArrivalLatencies {
  samples: Float64Array
  /** (client, alert) pairs whose alert was answered 202 but never arrived. */
  lost: number
  /** Alerts answered 202 in the measured range. */
  measuredAlerts: number
  /** Pairs that arrived before the sender saw the 202 (the stream beat the HTTP answer). */
  beforeAck: number
}

/**
 * arrival − 202 for every client and every alert from `from` (after the warm-up) that was answered 202.
 * `ackAt[i]` is when the 202 of alert i arrived; NaN when it was not answered 202. `clients` is the
 * half-open range of client indexes to include (bare sockets and replicas are reported apart).
 */
export function arrivalLatencies(
  log: ArrivalLog,
  ackAt: ArrayLike<number>,
  from: number,
  clients: [number, number] = [0, log.clients],
): ArrivalLatencies {
  const out: number[] = []
  let lost = 0
  let measuredAlerts = 0
  let beforeAck = 0
  for (let i = from; i < log.alerts; i++) {
    const ack = ackAt[i] ?? Number.NaN
    if (Number.isNaN(ack)) continue
    measuredAlerts++
    for (let c = clients[0]; c < clients[1]; c++) {
      const t = log.at(c, i)
      if (Number.isNaN(t)) {
        lost++
        continue
      }
      if (t < ack) beforeAck++
      out.push(t - ack)
    }
  }
  return { samples: Float64Array.from(out), lost, measuredAlerts, beforeAck }
}
