import { describe, expect, it } from 'vitest'
import { latencyStats } from '../../bench/escalation/analyze'
import { ArrivalLog, arrivalLatencies } from '../../bench/sync/arrivals'
import { parseSyncOptions } from '../../bench/sync/options'
import {
  type ArrivalFigures,
  type CatchUp,
  computeSyncVerdicts,
  figuresOf,
  type LatencyPhase,
  renderSyncSection,
} from '../../bench/sync/report'

const fig = (p99: number, lost = 0, clients = 10): ArrivalFigures => ({
  clients,
  stats: { ...latencyStats([1, 2, 3]), p99 },
  lost,
  beforeAck: 0,
  measuredAlerts: 3,
})
const phase = (
  clients: number,
  vigil: number,
  raw: number,
  extra: Partial<LatencyPhase> = {},
): LatencyPhase => ({
  clients,
  rate: clients === 100 ? 200 : 50,
  vigil: { socket: fig(vigil), store: fig(vigil + 1), sent: 3, rejected: 0, rate: 200 },
  raw: { socket: fig(raw), sent: 3, rejected: 0, rate: 200 },
  rss: { vigilIdle: 200, vigilPeak: 250, rawIdle: 80 },
  ...extra,
})

describe('sync bench arrivals', () => {
  it('keeps the first arrival per client and alert, and ignores other prefixes and numbers', () => {
    const log = new ArrivalLog('p-', 3, 2)
    log.record(0, 'p-1', 10)
    log.record(0, 'p-1', 5)
    log.record(1, 'q-1', 7)
    log.record(1, 'p-9', 7)
    log.record(1, 'p-x', 7)
    log.record(1, 42, 7)
    expect(log.at(0, 1)).toBe(10)
    expect(log.at(1, 1)).toBeNaN()
    expect(log.indexOf('p-2')).toBe(2)
    expect(log.indexOf('p-3')).toBe(-1)
  })

  it('measures arrival minus 202 after the warm-up, counts lost pairs and skips unanswered alerts', () => {
    const log = new ArrivalLog('a', 4, 3)
    const ack = [0, 100, 200, Number.NaN]
    for (let c = 0; c < 3; c++) {
      log.record(c, 'a0', 1)
      log.record(c, 'a1', 100 + c)
      if (c < 2) log.record(c, 'a2', 195 + c * 10)
      log.record(c, 'a3', 400)
    }
    const all = arrivalLatencies(log, ack, 1)
    expect(all.measuredAlerts).toBe(2)
    expect([...all.samples]).toEqual([0, 1, 2, -5, 5])
    expect(all.lost).toBe(1)
    expect(all.beforeAck).toBe(1)
    const some = arrivalLatencies(log, ack, 1, [2, 3])
    expect([...some.samples]).toEqual([2])
    expect(some.lost).toBe(1)
    expect(figuresOf(1, some)).toMatchObject({ clients: 1, lost: 1, stats: { count: 1, p99: 2 } })
  })
})

describe('sync bench verdicts', () => {
  it('passes within 1.5× raw and 25 ms at 100 clients, and judges RSS at 1,000 clients', () => {
    const v = computeSyncVerdicts([phase(100, 15, 11), phase(1000, 90, 66)], undefined)
    expect(v.map((x) => [x.check, x.verdict])).toEqual([
      ['100 clients at 200/s: socket arrival p99 ≤ 1.5× raw broadcast p99', 'PASS'],
      ['100 clients at 200/s: socket arrival p99 ≤ 25 ms', 'PASS'],
      ['100 clients at 200/s: store arrival (replicas) p99 ≤ 1.5× raw broadcast p99', 'PASS'],
      ['100 clients at 200/s: store arrival (replicas) p99 ≤ 25 ms', 'PASS'],
      ['1,000 clients at 50/s: socket arrival p99 ≤ 1.5× raw broadcast p99', 'PASS'],
      ['1,000 clients at 50/s: store arrival (replicas) p99 ≤ 1.5× raw broadcast p99', 'PASS'],
      ['server RSS with 1,000 clients at 50/s ≤ 300 MB', 'PASS'],
    ])
  })

  it('fails on a slow p99, lost arrivals or high memory, and is N/A without a raw figure', () => {
    const slow = computeSyncVerdicts([phase(100, 30, 10)], undefined)
    expect(slow.filter((x) => x.check.includes('socket')).map((x) => x.verdict)).toEqual(['FAIL', 'FAIL'])
    const lost = phase(100, 5, 10)
    lost.vigil.socket = fig(5, 3)
    const l = computeSyncVerdicts([lost], undefined)
    expect(l[0]).toMatchObject({ verdict: 'FAIL', reason: '3 arrivals lost' })
    const noRaw = phase(1000, 5, 10, { raw: { sent: 0, rejected: 0, rate: 0, error: 'boom' } })
    noRaw.rss = { vigilIdle: 200, vigilPeak: 301, rawIdle: Number.NaN }
    const n = computeSyncVerdicts([noRaw], undefined)
    expect(n[0]).toMatchObject({ verdict: 'N/A', reason: 'raw: not measured: boom' })
    expect(n.at(-1)).toMatchObject({ verdict: 'FAIL', observed: '301.0 MiB (peak)' })
    const down = phase(100, 5, 10, { vigil: { sent: 0, rejected: 0, rate: 0, error: 'no socket.io' } })
    expect(computeSyncVerdicts([down], undefined).every((x) => x.verdict === 'FAIL')).toBe(true)
  })

  it('judges catch-up against 5 s and 2× bulkInsert, and only when the replica is in sync', () => {
    const ok: CatchUp = { alerts: 50_000, catchUpSec: 3, bulkInsertSec: 2, localCount: 10, serverCount: 10 }
    expect(computeSyncVerdicts([], ok).map((x) => [x.observed, x.verdict])).toEqual([
      ['3.00 s', 'PASS'],
      ['1.50× (3.00 / 2.00 s)', 'PASS'],
    ])
    const slow = computeSyncVerdicts([], { ...ok, catchUpSec: 6 })
    expect(slow.map((x) => x.verdict)).toEqual(['FAIL', 'FAIL'])
    const off = computeSyncVerdicts([], { ...ok, localCount: 9 })
    expect(off.every((x) => x.verdict === 'FAIL' && x.reason?.includes('replica holds 9'))).toBe(true)
    expect(computeSyncVerdicts([], { alerts: 5, error: 'x' })[0]).toMatchObject({ verdict: 'FAIL' })
  })
})

describe('sync bench options and section', () => {
  it('parses options', () => {
    const o = parseSyncOptions(['--only', 'catchup', '--no-record'], { BENCH_SYNC_REPLICAS: '4' })
    expect(o).toMatchObject({ only: ['catchup'], record: false, replicas: 4, store: 'sqlite', seconds: 10 })
    expect(o.shapes).toEqual([
      { clients: 100, rate: 200 },
      { clients: 1000, rate: 50 },
    ])
    expect(() => parseSyncOptions([], { BENCH_SYNC_REPLICAS: '13' })).toThrow(/BENCH_SYNC_REPLICAS/)
    expect(() => parseSyncOptions(['--only', 'x'], {})).toThrow(/unknown part/)
    expect(() => parseSyncOptions([], { BENCH_SYNC_STORE: 'mysql' })).toThrow(/BENCH_SYNC_STORE/)
  })

  it('renders every measured row, memory, catch-up and verdicts', () => {
    const phases = [phase(100, 15, 11)]
    const catchUp: CatchUp = {
      alerts: 50_000,
      catchUpSec: 3,
      bulkInsertSec: 2,
      rxReplicationSec: 2.5,
      localCount: 10,
      serverCount: 10,
    }
    const text = renderSyncSection({
      machine: { date: 'D', cpuModel: 'C', cores: 2, memoryGiB: 8, node: 'v20', os: 'O' },
      setup: ['Clients: one process'],
      phases,
      catchUp,
      verdicts: computeSyncVerdicts(phases, catchUp),
      notes: ['busy'],
    })
    expect(text.startsWith('## sync — D\n')).toBe(true)
    expect(text).toContain('| 100 clients, 200/s | Vigil | socket | 10 | 3 | 2.0 | 15.0 | 3.0 | 0 |')
    expect(text).toContain('| 100 clients, 200/s | Vigil | store (RxDB replica) | 10 |')
    expect(text).toContain('| 100 clients, 200/s | raw Socket.IO broadcast | socket | 10 | 3 | 2.0 | 11.0 |')
    expect(text).toContain('| 100 | 200.0 MiB | 250.0 MiB | 80.0 MiB |')
    expect(text).toContain('| replica offline while alerts changed | 50,000 | 3.00 | 2.00 | 2.50 | 10 / 10 |')
    // The floor is a reference: stated with its ratios, never judged.
    expect(text).toContain('took 1.25× the bulkInsert; the catch-up from Vigil took 1.20× that.')
    expect(text).not.toContain('from memory seconds p99 ≤')
    expect(text).toContain('**PASS**')
    expect(text).toContain('- busy')
  })
})
