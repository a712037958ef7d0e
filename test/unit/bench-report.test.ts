import { describe, expect, it } from 'vitest'
import { renderIngestSection } from '../../bench/lib/markdown'
import { computeRatios, computeVerdicts, pickLeastDisturbed, type TargetRun } from '../../bench/lib/report'
import type { WrkResult } from '../../bench/lib/wrk'

/** A clean wrk result with the given throughput and p99. */
function wrk(rps: number, p99Ms: number, errors: Partial<WrkResult['errors']> = {}): WrkResult {
  return {
    requests: rps * 15,
    durationSec: 15,
    rps,
    p50Ms: p99Ms / 4,
    p90Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms * 2,
    meanMs: p99Ms / 3,
    errors: { connect: 0, read: 0, write: 0, timeout: 0, status: 0, ...errors },
    source: 'json',
  }
}

const run = (id: TargetRun['id'], result?: WrkResult, error?: string): TargetRun => ({
  id,
  label: id,
  result,
  error,
  notes: [],
})

describe('ratios', () => {
  it('divides each Vigil target by each baseline and flags runs with errors', () => {
    const ratios = computeRatios([
      run('noop', wrk(20_000, 5)),
      run('alertmanager', wrk(10_000, 8)),
      run('vigil-sqlite', wrk(12_000, 9)),
      run('vigil-postgres', wrk(5_000, 20, { status: 3 })),
    ])
    expect(ratios).toEqual([
      { target: 'vigil-sqlite', baseline: 'alertmanager', ratio: 1.2, clean: true },
      { target: 'vigil-sqlite', baseline: 'noop', ratio: 0.6, clean: true },
      { target: 'vigil-postgres', baseline: 'alertmanager', ratio: 0.5, clean: false },
      { target: 'vigil-postgres', baseline: 'noop', ratio: 0.25, clean: false },
    ])
  })

  it('reports the durable floor against both baselines, and never judges it', () => {
    const runs = [
      run('noop', wrk(20_000, 5)),
      run('alertmanager', wrk(10_000, 8)),
      run('floor', wrk(13_000, 2)),
    ]
    expect(computeRatios(runs)).toEqual([
      { target: 'floor', baseline: 'alertmanager', ratio: 1.3, clean: true },
      { target: 'floor', baseline: 'noop', ratio: 0.65, clean: true },
    ])
    expect(computeVerdicts(runs)).toEqual([])
  })

  it('skips pairs without figures', () => {
    expect(computeRatios([run('noop', wrk(1, 1)), run('vigil-sqlite', undefined, 'boom')])).toEqual([])
  })
})

describe('verdicts', () => {
  it('passes and fails each goal on its own', () => {
    const v = computeVerdicts([
      run('noop', wrk(20_000, 5)),
      run('alertmanager', wrk(10_000, 8)),
      run('vigil-sqlite', wrk(16_000, 10)),
    ])
    expect(v.map((x) => [x.check, x.observed, x.verdict])).toEqual([
      ['≥ 1.0× Alertmanager req/s', '1.60×', 'PASS'],
      ['≥ 0.8× no-op ceiling req/s', '0.80×', 'PASS'],
      ['p99 ≤ 10 ms', '10.00 ms', 'PASS'],
    ])
    const slow = computeVerdicts([
      run('alertmanager', wrk(10_000, 8)),
      run('vigil-sqlite', wrk(9_999, 10.01)),
    ])
    expect(slow.map((x) => x.verdict)).toEqual(['FAIL', 'N/A', 'FAIL'])
    expect(slow[1]?.reason).toBe('baseline not run')
  })

  it('never passes a Vigil run that had errors, and never judges against a baseline that had them', () => {
    const v = computeVerdicts([
      run('noop', wrk(20_000, 5, { timeout: 1 })),
      run('alertmanager', wrk(1_000, 8)),
      run('vigil-sqlite', wrk(50_000, 1, { status: 4 })),
      run('vigil-postgres', wrk(50_000, 1)),
    ])
    const sqlite = v.filter((x) => x.target === 'vigil-sqlite')
    expect(sqlite.map((x) => x.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL'])
    expect(sqlite[0]?.reason).toBe('4 errors in the measured run')
    const pg = v.filter((x) => x.target === 'vigil-postgres')
    expect(pg.map((x) => x.verdict)).toEqual(['PASS', 'N/A', 'PASS'])
    expect(pg[1]?.reason).toBe('baseline had 1 errors')
  })

  it('fails a selected Vigil target that produced no figures, and judges nothing that was not selected', () => {
    const v = computeVerdicts([
      run('noop', wrk(1, 1)),
      run('vigil-postgres', undefined, 'exited (1) before ready'),
    ])
    expect(v).toHaveLength(3)
    expect(v.every((x) => x.verdict === 'FAIL' && x.reason?.includes('exited (1)'))).toBe(true)
    expect(computeVerdicts([run('noop', wrk(1, 1))])).toEqual([])
  })
})

describe('markdown section', () => {
  const runs: TargetRun[] = [
    {
      ...run('noop', wrk(20_000, 5)),
      label: 'no-op',
      cpu: { background: 0.1, machine: 1.9, target: 0.8, loader: 0.9, other: 0.3 },
    },
    { ...run('alertmanager', wrk(10_000, 8)), label: 'Alertmanager', notes: ['held 5000 alerts'] },
    { ...run('vigil-sqlite', wrk(8_000, 12, { status: 5, timeout: 1 })), label: 'Vigil (SQLite)' },
    { ...run('vigil-postgres', undefined, 'exited | crashed\nstack'), label: 'Vigil (PostgreSQL)' },
  ]
  runs[2] = {
    ...(runs[2] as TargetRun),
    sanity: {
      problems: [],
      apiCount: 5000,
      distinctAliases: 5000,
      occurrences: 120_010,
      expected: { min: 5000, max: 5000 },
      accepted: 120_000,
      slack: 64,
      ok: true,
    },
  }
  const md = renderIngestSection({
    machine: {
      date: 'Fri Nov 27 10:59:11 UTC 2026',
      cpuModel: 'AMD EPYC',
      cores: 2,
      memoryGiB: 23.5,
      node: 'v20.20.2',
      os: 'Debian GNU/Linux 12 (bookworm), Linux 6.1',
      fsync: { p50Ms: 2.2, p99Ms: 13.4, dir: '/tmp' },
    },
    settings: {
      connections: 32,
      threads: 2,
      warmupSec: 3,
      seconds: 15,
      timeoutSec: 5,
      retries: 2,
      bodies: 10_000,
      aliases: 5000,
      bodyBytes: { min: 420, max: 600, mean: 506.4 },
      amBodyBytes: { min: 423, max: 600, mean: 507 },
      wrk: 'wrk 4.1.0',
      alertmanager: 'alertmanager 0.25.0',
      postgres: 'PostgreSQL 15.19',
      only: ['noop', 'alertmanager', 'vigil-sqlite', 'vigil-postgres'],
      partial: false,
    },
    runs,
    ratios: computeRatios(runs),
    verdicts: computeVerdicts(runs),
  })

  it('starts with a dated heading and states machine and settings', () => {
    expect(md.startsWith('## ingest — Fri Nov 27 10:59:11 UTC 2026\n')).toBe(true)
    expect(md).toContain('AMD EPYC, 2 cores, 23.5 GiB RAM')
    expect(md).toContain('2 threads, 32 connections')
    expect(md).toContain('3 s warm-up then 15 s measured')
    expect(md).toContain('10,000 bodies cycling over 5,000 aliases')
    expect(md).toContain('fdatasync of 4 KiB in /tmp: p50 2.20 ms')
    expect(md.endsWith('\n')).toBe(true)
  })

  it('puts every target in the table, errors in bold, and unmeasured targets with their reason', () => {
    expect(md).toContain(
      '| no-op | 20,000 | 1.25 | 2.50 | 5.00 | 10.0 | 300,000 | 0 | target 0.80, wrk 0.90, other **0.30** (of 1.90 busy) |',
    )
    expect(md).toContain('**6** (timeout 1, non-2xx 5)')
    expect(md).toContain(
      '| Vigil (PostgreSQL) | — | — | — | — | — | — | not measured: exited \\| crashed stack | — |',
    )
    expect(md).toContain('| vigil-sqlite / alertmanager | 0.80× | no (errors) |')
    expect(md).toContain(
      '| vigil-sqlite | p99 ≤ 10 ms | 12.00 ms | **FAIL** (6 errors in the measured run) |',
    )
    expect(md).toContain('- Vigil (SQLite): OK — API count 5,000, distinct aliases 5,000, expected 5,000')
    expect(md).toContain('- Alertmanager: held 5000 alerts')
  })

  it('marks partial runs in the heading', () => {
    const partial = renderIngestSection({
      machine: { date: 'd', cpuModel: 'c', cores: 2, memoryGiB: 1, node: 'v20', os: 'o' },
      settings: {
        connections: 1,
        threads: 1,
        warmupSec: 1,
        seconds: 1,
        timeoutSec: 1,
        retries: 0,
        bodies: 1,
        aliases: 1,
        bodyBytes: { min: 1, max: 1, mean: 1 },
        amBodyBytes: { min: 1, max: 1, mean: 1 },
        wrk: 'w',
        alertmanager: 'a',
        postgres: 'not run',
        only: ['noop', 'alertmanager'],
        partial: true,
      },
      runs: [],
      ratios: [],
      verdicts: [],
    })
    expect(partial.split('\n')[0]).toBe('## ingest — d (partial: noop, alertmanager)')
  })
})

describe('retries on a shared machine', () => {
  it('keeps the least disturbed attempt and says so', () => {
    const a = { ...run('alertmanager', wrk(7_000, 40)), cpu: { background: 0, other: 0.6 } }
    const b = { ...run('alertmanager', wrk(14_000, 20)), cpu: { background: 0, other: 0.1 } }
    const c = { ...run('alertmanager', wrk(13_000, 20)), cpu: { background: 0, other: 0.2 } }
    const best = pickLeastDisturbed([a, b, c])
    expect(best).toBe(b)
    expect(best.notes).toEqual([
      'kept attempt 2 of 3, the least disturbed (other work per attempt: 0.60, 0.10, 0.20 cores; ' +
        'req/s per attempt: 7000, 14000, 13000)',
    ])
  })

  it('leaves a single attempt untouched', () => {
    const only = run('noop', wrk(1, 1))
    expect(pickLeastDisturbed([only]).notes).toEqual([])
  })
})
