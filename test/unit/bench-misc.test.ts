import { describe, expect, it } from 'vitest'
import { parseIngestOptions } from '../../bench/ingest/options'
import {
  coresUsed,
  parseChildrenStat,
  parseComm,
  parsePidStat,
  parsePpid,
  parseProcStat,
} from '../../bench/lib/cpu'
import { parseCpuModel, parseOsRelease } from '../../bench/lib/machine'
import { promSum, summariseVigilMetrics } from '../../bench/lib/prom'
import { type Benchmark, parseCommand } from '../../bench/lib/registry'

describe('ingest options', () => {
  it('defaults to every target, 32 connections, 2 threads, 3 s + 15 s', () => {
    const o = parseIngestOptions([], {})
    expect(o).toEqual({
      targets: ['noop', 'alertmanager', 'floor', 'vigil-sqlite', 'vigil-postgres'],
      record: true,
      seconds: 15,
      warmupSec: 3,
      connections: 32,
      threads: 2,
      timeoutSec: 5,
      aliases: 5000,
      bodies: 10_000,
      quietWaitSec: 180,
      retries: 2,
      pgIsolation: 'schema',
    })
  })

  it('selects targets with --only (in canonical order) and reads BENCH_* settings', () => {
    const o = parseIngestOptions(['--only', 'vigil,noop', '--no-record'], { BENCH_SECONDS: '30' })
    expect(o.targets).toEqual(['noop', 'vigil-sqlite', 'vigil-postgres'])
    expect(o.record).toBe(false)
    expect(o.seconds).toBe(30)
    expect(parseIngestOptions(['--only=am,pg'], {}).targets).toEqual(['alertmanager', 'vigil-postgres'])
  })

  it('rejects unknown targets and arguments, and out-of-range settings', () => {
    expect(() => parseIngestOptions(['--only', 'nginx'], {})).toThrow(/unknown target 'nginx'/)
    expect(() => parseIngestOptions(['--fast'], {})).toThrow(/unknown argument/)
    expect(() => parseIngestOptions([], { BENCH_SECONDS: '0' })).toThrow(/BENCH_SECONDS/)
    expect(() => parseIngestOptions([], { BENCH_SECONDS: '9999' })).toThrow(/BENCH_SECONDS/)
    expect(() => parseIngestOptions([], { BENCH_ALIASES: '20000', BENCH_BODIES: '100' })).toThrow(
      /BENCH_BODIES/,
    )
  })
})

describe('benchmark registry', () => {
  const bench: Benchmark = { name: 'ingest', summary: 's', usage: 'ingest [x]', run: async () => 0 }

  it('dispatches by name and passes the rest of argv', () => {
    expect(parseCommand(['ingest', '--only', 'noop'], [bench])).toEqual({
      kind: 'run',
      bench,
      argv: ['--only', 'noop'],
    })
  })

  it('answers help, and help with exit code 2 for nothing or an unknown name', () => {
    expect(parseCommand(['--help'], [bench])).toMatchObject({ kind: 'help', exitCode: 0 })
    expect(parseCommand([], [bench])).toMatchObject({ kind: 'help', exitCode: 2 })
    const unknown = parseCommand(['oncall'], [bench])
    expect(unknown).toMatchObject({ kind: 'help', exitCode: 2 })
    expect(unknown.kind === 'help' && unknown.text).toContain("unknown benchmark 'oncall'")
    expect(parseCommand(['ingest', '-h'], [bench])).toMatchObject({ kind: 'help', text: 'usage: ingest [x]' })
  })
})

describe('machine and cpu readings', () => {
  it('reads the cpu model and OS name', () => {
    expect(parseCpuModel('processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: x\n')).toBe('AMD EPYC 7B13')
    expect(parseCpuModel('')).toBe('unknown')
    expect(parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      'Debian GNU/Linux 12 (bookworm)',
    )
  })

  it('turns /proc readings into busy cores', () => {
    const a = { machine: parseProcStat('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n'), proc: 50 }
    const b = { machine: parseProcStat('cpu  250 0 150 1000 0 0 0 0 0 0\n'), proc: 150 }
    expect(a.machine).toEqual({ busy: 200, total: 1000, irq: 0 })
    // 400 jiffies passed over 2 cores; 200 were busy (1 core), the process had 100 (0.5 core).
    expect(coresUsed(a, b, 2)).toEqual({ machine: 1, proc: 0.5, irq: 0 })
    expect(coresUsed(a, { machine: b.machine }, 2)).toEqual({ machine: 1, irq: 0 })
  })

  it('splits busy cores into target, wrk (reaped children), named processes and other work', () => {
    const a = {
      machine: { busy: 0, total: 0 },
      self: 0,
      children: 0,
      proc: 0,
      named: new Map([
        [10, 5],
        [11, 0],
      ]),
      kernel: new Map<number, number>(),
    }
    const b = {
      machine: { busy: 380, total: 400 },
      self: 10,
      children: 150,
      proc: 100,
      // pid 11 went away (its time is lost); pid 12 is new, so all of its time falls in the window.
      named: new Map([
        [10, 55],
        [12, 20],
      ]),
      kernel: new Map([[2, 10]]),
    }
    const used = coresUsed(a, b, 2)
    const expected = { machine: 1.9, proc: 0.5, loader: 0.75, named: 0.35, kernel: 0.05, other: 0.2 }
    for (const [k, v] of Object.entries(expected)) expect(used[k as keyof typeof used], k).toBeCloseTo(v, 9)
  })

  it('reads the command name from a stat line', () => {
    expect(parseComm('77 (postgres) S 1 2')).toBe('postgres')
    expect(parsePpid('77 (kworker/1:0H) S 2 0')).toBe(2)
    expect(parseChildrenStat('1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 30 40 0')).toBe(70)
  })

  it('reads utime+stime even when the command name has spaces and parentheses', () => {
    const stat = '1234 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 111 222 0 0 20 0 7'
    expect(parsePidStat(stat)).toBe(333)
  })
})

describe('prometheus text', () => {
  const text = [
    '# HELP vigil_write_batch_size Alert writes committed per transaction',
    'vigil_write_batch_size_bucket{le="1"} 3',
    'vigil_write_batch_size_sum 900',
    'vigil_write_batch_size_count 30',
    'vigil_alerts_ingested_total{outcome="created"} 5000',
    'vigil_alerts_ingested_total{outcome="deduplicated"} 20000',
  ].join('\n')

  it('sums samples by name and labels', () => {
    expect(promSum(text, 'vigil_alerts_ingested_total')).toBe(25_000)
    expect(promSum(text, 'vigil_alerts_ingested_total', { outcome: 'created' })).toBe(5000)
    expect(promSum(text, 'vigil_write_batch_size')).toBeNaN()
  })

  it('summarises the write path', () => {
    expect(summariseVigilMetrics(text)).toBe(
      '/metrics: 30 group commits, mean 30.0 writes per commit; ingested 5000 created + 20000 deduplicated',
    )
    expect(summariseVigilMetrics('')).toBeUndefined()
  })
})
