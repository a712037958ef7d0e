/** Pure part of the sync benchmark: verdicts against the issue's targets and the RESULTS.md section. */
import { type LatencyStats, latencyStats } from '../escalation/analyze'
import type { MachineInfo } from '../lib/machine'
import { cell } from '../lib/markdown'
import type { ArrivalLatencies } from './arrivals'

/** Latency of one kind of arrival (socket or store) over some clients. */
export interface ArrivalFigures {
  clients: number
  stats: LatencyStats
  lost: number
  beforeAck: number
  measuredAlerts: number
}

/** Figures from arrivalLatencies. */
export function figuresOf(clients: number, a: ArrivalLatencies): ArrivalFigures {
  return {
    clients,
    stats: latencyStats(a.samples),
    lost: a.lost,
    beforeAck: a.beforeAck,
    measuredAlerts: a.measuredAlerts,
  }
}

/** One target (Vigil or the raw broadcast) in one load shape. */
export interface TargetLatency {
  /** Bare sockets: arrival of the stream message. */
  socket?: ArrivalFigures
  /** Console replicas (RxDB memory storage): arrival in the store. */
  store?: ArrivalFigures
  /** Alerts sent, and answered other than 202. */
  sent: number
  rejected: number
  rate: number
  error?: string
}

/** One load shape: so many clients at so many alerts per second, Vigil against the raw broadcast. */
export interface LatencyPhase {
  clients: number
  rate: number
  vigil: TargetLatency
  raw: TargetLatency
  /** Server RSS in MiB with these clients connected: idle (before sending) and the peak while sending. */
  rss?: { vigilIdle: number; vigilPeak: number; rawIdle: number }
}

/** The catch-up measurement. */
export interface CatchUp {
  alerts: number
  /** Seconds from reconnecting until every changed alert was in the replica's store. */
  catchUpSec?: number
  /** Seconds for bulkInsert of the same documents into a fresh memory-storage collection. */
  bulkInsertSec?: number
  /**
   * Seconds for RxDB's replication protocol to pull the same documents from an in-process handler into a
   * fresh memory-storage collection: no server, no network, no Vigil code. What any RxDB client pays.
   */
  rxReplicationSec?: number
  /** The replica's alert count against the server's after catching up. */
  localCount?: number
  serverCount?: number
  /** Something the reader should know (alerts refused while sending). */
  note?: string
  error?: string
}

/** The issue's targets. */
export interface SyncGoals {
  vsRaw: number
  p99Ms100: number
  catchUpSec: number
  vsBulkInsert: number
  rssMiB: number
}

/** p99 ≤ 1.5× raw and ≤ 25 ms with 100 clients; catch-up ≤ 5 s and ≤ 2× bulkInsert; RSS ≤ 300 MB. */
export const SYNC_GOALS: SyncGoals = { vsRaw: 1.5, p99Ms100: 25, catchUpSec: 5, vsBulkInsert: 2, rssMiB: 300 }

/** One line of the verdict table. */
export interface SyncVerdict {
  check: string
  observed: string
  verdict: 'PASS' | 'FAIL' | 'N/A'
  reason?: string
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '—')

/** Why a latency figure cannot be judged: missing, or some arrivals were lost. */
function unusable(x: ArrivalFigures | undefined, error?: string): string | undefined {
  if (!x) return `not measured${error ? `: ${error}` : ''}`
  if (x.stats.count === 0) return 'nothing arrived'
  if (x.lost > 0) return `${x.lost} arrivals lost`
  return undefined
}

/** Verdicts for every phase, the catch-up and the memory. */
export function computeSyncVerdicts(
  phases: LatencyPhase[],
  catchUp: CatchUp | undefined,
  goals: SyncGoals = SYNC_GOALS,
): SyncVerdict[] {
  const out: SyncVerdict[] = []
  for (const p of phases) {
    const shape = `${p.clients.toLocaleString('en-US')} clients at ${p.rate}/s`
    const raw = p.raw.socket
    const rawBad = unusable(raw, p.raw.error)
    for (const kind of ['socket', 'store'] as const) {
      const x = p.vigil[kind]
      if (kind === 'store' && !x && !p.vigil.error) continue
      const what = kind === 'socket' ? 'socket arrival' : 'store arrival (replicas)'
      const bad = unusable(x, p.vigil.error)
      const p99 = x?.stats.p99 ?? Number.NaN
      const ratio = raw ? p99 / raw.stats.p99 : Number.NaN
      const ratioCheck = `${shape}: ${what} p99 ≤ ${goals.vsRaw}× raw broadcast p99`
      if (bad) out.push({ check: ratioCheck, observed: '—', verdict: 'FAIL', reason: bad })
      else if (rawBad)
        out.push({ check: ratioCheck, observed: `${f1(p99)} ms`, verdict: 'N/A', reason: `raw: ${rawBad}` })
      else
        out.push({
          check: ratioCheck,
          observed: `${ratio.toFixed(2)}× (${f1(p99)} / ${f1(raw?.stats.p99 ?? Number.NaN)} ms)`,
          verdict: ratio <= goals.vsRaw ? 'PASS' : 'FAIL',
        })
      if (p.clients === 100) {
        const check = `${shape}: ${what} p99 ≤ ${goals.p99Ms100} ms`
        if (bad) out.push({ check, observed: '—', verdict: 'FAIL', reason: bad })
        else out.push({ check, observed: `${f1(p99)} ms`, verdict: p99 <= goals.p99Ms100 ? 'PASS' : 'FAIL' })
      }
    }
    if (p.clients === 1000) {
      const check = `server RSS with ${shape} ≤ ${goals.rssMiB} MB`
      const peak = p.rss?.vigilPeak ?? Number.NaN
      if (!Number.isFinite(peak)) out.push({ check, observed: '—', verdict: 'FAIL', reason: 'not measured' })
      else
        out.push({
          check,
          observed: `${f1(peak)} MiB (peak)`,
          verdict: peak <= goals.rssMiB ? 'PASS' : 'FAIL',
        })
    }
  }
  if (catchUp) {
    const sec = catchUp.catchUpSec ?? Number.NaN
    const bulk = catchUp.bulkInsertSec ?? Number.NaN
    const inSync = catchUp.localCount !== undefined && catchUp.localCount === catchUp.serverCount
    const bad = !Number.isFinite(sec)
      ? `not measured${catchUp.error ? `: ${catchUp.error}` : ''}`
      : !inSync
        ? `replica holds ${catchUp.localCount ?? '?'} alerts, server ${catchUp.serverCount ?? '?'}`
        : undefined
    const n = catchUp.alerts.toLocaleString('en-US')
    const c1 = `catch-up after ${n} changed alerts ≤ ${goals.catchUpSec} s`
    const c2 = `catch-up ≤ ${goals.vsBulkInsert}× local bulkInsert`
    if (bad) {
      out.push({ check: c1, observed: '—', verdict: 'FAIL', reason: bad })
      out.push({ check: c2, observed: '—', verdict: 'FAIL', reason: bad })
    } else {
      out.push({
        check: c1,
        observed: `${sec.toFixed(2)} s`,
        verdict: sec <= goals.catchUpSec ? 'PASS' : 'FAIL',
      })
      if (!Number.isFinite(bulk))
        out.push({ check: c2, observed: '—', verdict: 'N/A', reason: 'bulkInsert failed' })
      else
        out.push({
          check: c2,
          observed: `${(sec / bulk).toFixed(2)}× (${sec.toFixed(2)} / ${bulk.toFixed(2)} s)`,
          verdict: sec / bulk <= goals.vsBulkInsert ? 'PASS' : 'FAIL',
        })
    }
  }
  return out
}

/** Input of renderSyncSection. */
export interface SyncReport {
  machine: MachineInfo
  setup: string[]
  phases: LatencyPhase[]
  catchUp?: CatchUp
  verdicts: SyncVerdict[]
  notes: string[]
}

function row(
  target: string,
  shape: string,
  kind: string,
  x: ArrivalFigures | undefined,
  error?: string,
): string {
  if (!x)
    return `| ${shape} | ${target} | ${kind} | — | — | — | — | — | — | ${cell(error ?? 'not measured')} |`
  const s = x.stats
  return (
    `| ${shape} | ${target} | ${kind} | ${x.clients.toLocaleString('en-US')} | ${x.measuredAlerts.toLocaleString('en-US')} | ` +
    `${f1(s.p50)} | ${f1(s.p99)} | ${f1(s.max)} | ${x.lost.toLocaleString('en-US')} | ` +
    `${s.count ? `${((x.beforeAck / s.count) * 100).toFixed(1)}% before the 202` : ''} |`
  )
}

/** The full section, starting with a level-2 heading and ending with a newline. */
export function renderSyncSection(rep: SyncReport): string {
  const m = rep.machine
  const lines = [
    `## sync — ${m.date}`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}`,
    ...rep.setup.map((s) => `- ${s}`),
    '',
    '| Load | target | arrival | clients | alerts measured | p50 ms | p99 ms | max ms | lost | notes |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const p of rep.phases) {
    const shape = `${p.clients.toLocaleString('en-US')} clients, ${p.rate}/s`
    lines.push(row('Vigil', shape, 'socket', p.vigil.socket, p.vigil.error))
    if (p.vigil.store || p.vigil.error)
      lines.push(row('Vigil', shape, 'store (RxDB replica)', p.vigil.store, p.vigil.error))
    lines.push(row('raw Socket.IO broadcast', shape, 'socket', p.raw.socket, p.raw.error))
  }
  lines.push('')
  const rss = rep.phases.filter((p) => p.rss)
  if (rss.length) {
    lines.push('| Clients connected | Vigil RSS idle | Vigil RSS peak while sending | raw server RSS idle |')
    lines.push('| ---: | ---: | ---: | ---: |')
    for (const p of rss) {
      const r = p.rss as NonNullable<LatencyPhase['rss']>
      lines.push(
        `| ${p.clients.toLocaleString('en-US')} | ${f1(r.vigilIdle)} MiB | ${f1(r.vigilPeak)} MiB | ${f1(r.rawIdle)} MiB |`,
      )
    }
    lines.push('')
  }
  if (rep.catchUp) {
    const c = rep.catchUp
    lines.push(
      '| Catch-up | alerts | seconds until in sync | local bulkInsert seconds | RxDB replication from memory seconds | replica / server alerts |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      `| replica offline while alerts changed | ${c.alerts.toLocaleString('en-US')} | ` +
        `${c.catchUpSec === undefined ? `— ${cell(c.error ?? '')}` : c.catchUpSec.toFixed(2)} | ` +
        `${c.bulkInsertSec === undefined ? '—' : c.bulkInsertSec.toFixed(2)} | ` +
        `${c.rxReplicationSec === undefined ? '—' : c.rxReplicationSec.toFixed(2)} | ${c.localCount ?? '?'} / ${c.serverCount ?? '?'} |`,
      '',
    )
    if (c.rxReplicationSec !== undefined && c.bulkInsertSec && c.catchUpSec !== undefined)
      lines.push(
        `RxDB's replication protocol alone (no server, no network) took ${(c.rxReplicationSec / c.bulkInsertSec).toFixed(2)}× ` +
          `the bulkInsert; the catch-up from Vigil took ${(c.catchUpSec / c.rxReplicationSec).toFixed(2)}× that.`,
        '',
      )
  }
  if (rep.verdicts.length) {
    lines.push('| Goal | observed | verdict |', '| --- | ---: | --- |')
    for (const v of rep.verdicts) {
      lines.push(
        `| ${cell(v.check)} | ${cell(v.observed)} | **${v.verdict}**${v.reason ? ` (${cell(v.reason)})` : ''} |`,
      )
    }
    lines.push('')
  }
  if (rep.notes.length) lines.push('Notes:', '', ...rep.notes.map((x) => `- ${cell(x)}`), '')
  return `${lines.join('\n')}\n`
}
