import { describe, expect, it } from 'vitest'
import {
  analyzeEscalation,
  type ExpectedStep,
  escalationVerdicts,
  expectedRows,
  latencyStats,
  quantile,
  type StoredNotification,
} from '../../bench/escalation/analyze'
import { counterDeltas, escalationCounters } from '../../bench/escalation/metrics'
import { parseEscalationOptions } from '../../bench/escalation/options'
import { renderEscalationSection } from '../../bench/escalation/report'
import { dueCount } from '../../bench/escalation/sender'

const steps: ExpectedStep[] = [
  { ruleIndex: 0, delayMs: 0, label: 'a user', userIds: ['u'] },
  { ruleIndex: 1, delayMs: 60_000, label: 'on-call', userIds: ['o'] },
  { ruleIndex: 2, delayMs: 120_000, label: 'team', userIds: ['m1', 'm2'] },
]
const alerts = [
  { id: 'a1', alias: 'x-1', createdAt: 1000 },
  { id: 'a2', alias: 'x-2', createdAt: 2000 },
]
/** Every expected row for both alerts, `late` ms after due. */
function complete(late = 10): StoredNotification[] {
  return alerts.flatMap((a) =>
    steps.flatMap((s) =>
      s.userIds.map((userId) => ({
        alertId: a.id,
        userId,
        ruleIndex: s.ruleIndex,
        cycle: 0,
        createdAt: a.createdAt + s.delayMs + late,
      })),
    ),
  )
}

describe('escalation bench analysis', () => {
  it('computes nearest-rank quantiles', () => {
    const s = latencyStats(Array.from({ length: 100 }, (_, i) => 100 - i))
    expect(s).toEqual({ count: 100, p50: 50, p99: 99, max: 100, min: 1, mean: 50.5 })
    expect(quantile([], 0.5)).toBeNaN()
    expect(latencyStats([]).count).toBe(0)
  })

  it('measures lateness per step against alert creation plus the delay, and finds nothing wrong in a clean run', () => {
    const n = complete()
    n[0] = { ...(n[0] as StoredNotification), createdAt: 1000 + 700 }
    const a = analyzeEscalation({ steps, acceptedAliases: ['x-1', 'x-2'], alerts, notifications: n })
    expect(a.perStep.map((s) => [s.ruleIndex, s.stats.count, s.stats.max])).toEqual([
      [0, 2, 700],
      [1, 2, 10],
      [2, 4, 10],
    ])
    expect(a.overall).toMatchObject({ count: 8, max: 700, min: 10 })
    expect(a).toMatchObject({ duplicateRows: 0, missing: 0, unexpected: 0, alertsMissing: 0, early: 0 })
    expect(escalationVerdicts('t', a).map((v) => v.verdict)).toEqual(['PASS', 'PASS', 'PASS', 'PASS'])
  })

  it('counts duplicates, missing, unexpected and early rows, and ignores other alerts', () => {
    const n = complete()
    const dup = n[2] as StoredNotification
    n.push({ ...dup, createdAt: dup.createdAt + 5 })
    n.push({ ...dup, createdAt: dup.createdAt + 6 })
    const removed = n.splice(n.length - 4, 1)[0] as StoredNotification
    n.push({ alertId: 'a1', userId: 'stranger', ruleIndex: 2, cycle: 0, createdAt: 5 })
    n.push({ alertId: 'a1', userId: 'u', ruleIndex: 0, cycle: 1, createdAt: 5 })
    n.push({ alertId: 'other', userId: 'u', ruleIndex: 0, cycle: 0, createdAt: 5 })
    const a = analyzeEscalation({ steps, acceptedAliases: ['x-1', 'x-2'], alerts, notifications: n })
    expect(removed.alertId).toBe('a2')
    expect(a.duplicateGroups).toBe(1)
    expect(a.duplicateRows).toBe(2)
    expect(a.unexpected).toBe(2)
    expect(a.missing).toBe(1)
    expect(a.missingByRule).toEqual({ [removed.ruleIndex as number]: 1 })
    const v = escalationVerdicts('t', a)
    expect(v.map((x) => [x.check, x.verdict])).toEqual([
      ['p99 lateness ≤ 1,000 ms', 'PASS'],
      ['max lateness ≤ 2,000 ms', 'PASS'],
      ['zero duplicates', 'FAIL'],
      ['zero missing', 'FAIL'],
    ])
  })

  it('flags a step notified before it was due', () => {
    const n = complete()
    n[1] = { ...(n[1] as StoredNotification), createdAt: 1000 + 60_000 - 50 }
    const a = analyzeEscalation({ steps, acceptedAliases: ['x-1', 'x-2'], alerts, notifications: n })
    expect(a.early).toBe(1)
    expect(a.overall.min).toBe(-50)
  })

  it('fails every latency check when accepted alerts are absent or nothing was measured', () => {
    const a = analyzeEscalation({
      steps,
      acceptedAliases: ['x-1', 'x-2', 'x-3'],
      alerts,
      notifications: complete(),
    })
    expect(a.alertsMissing).toBe(1)
    const v = escalationVerdicts('t', a)
    expect(v.map((x) => x.verdict)).toEqual(['FAIL', 'FAIL', 'PASS', 'FAIL'])
    expect(v[0]?.reason).toContain('not in the store')
    const empty = analyzeEscalation({ steps, acceptedAliases: ['x-1'], alerts, notifications: [] })
    expect(empty.missing).toBe(4)
    expect(
      escalationVerdicts('t', empty).every((x) => x.verdict !== 'PASS' || x.check === 'zero duplicates'),
    ).toBe(true)
    expect(escalationVerdicts('t', undefined, undefined, 'boom').every((x) => x.verdict === 'FAIL')).toBe(
      true,
    )
  })

  it('judges latency against the goals', () => {
    const a = analyzeEscalation({
      steps,
      acceptedAliases: ['x-1', 'x-2'],
      alerts,
      notifications: complete(1500),
    })
    expect(escalationVerdicts('t', a).map((x) => x.verdict)).toEqual(['FAIL', 'PASS', 'PASS', 'PASS'])
    expect(expectedRows(steps, 10)).toBe(40)
  })
})

describe('escalation bench helpers', () => {
  it('schedules an open-loop send: the first alert at once, then one per 1/rate', () => {
    expect(dueCount(-1, 100, 10)).toBe(0)
    expect(dueCount(0, 100, 10)).toBe(1)
    expect(dueCount(9.9, 100, 10)).toBe(1)
    expect(dueCount(10, 100, 10)).toBe(2)
    expect(dueCount(10_000, 100, 10)).toBe(10)
  })

  it('reads escalation counters from /metrics and diffs them', () => {
    const before = escalationCounters(
      '# HELP x\nvigil_escalation_steps_total{outcome="notified"} 3\nvigil_http_requests_total 9\n',
    )
    const after = escalationCounters(
      'vigil_escalation_steps_total{outcome="notified"} 10\nvigil_escalation_notifications_total 4\n' +
        'vigil_escalation_lag_seconds 1\nvigil_http_requests_total 20\n',
    )
    expect(counterDeltas(before, after)).toEqual([
      ['vigil_escalation_notifications_total', 4],
      ['vigil_escalation_steps_total{outcome="notified"}', 7],
    ])
  })

  it('parses options from argv and env', () => {
    const o = parseEscalationOptions(['--only', 'pg', '--no-record'], { BENCH_ESC_RATE: '20' })
    expect(o).toMatchObject({ only: ['postgres'], record: false, force: false, rate: 20, alerts: 10_000 })
    expect(parseEscalationOptions([], {}).only).toEqual(['sqlite', 'postgres'])
    expect(() => parseEscalationOptions(['--only', 'mysql'], {})).toThrow(/unknown target/)
    expect(() => parseEscalationOptions(['--fast'], {})).toThrow(/unknown argument/)
    expect(() => parseEscalationOptions([], { BENCH_ESC_ALERTS: '0' })).toThrow(/BENCH_ESC_ALERTS/)
  })

  it('renders a section with per-step rows, checks, instances and verdicts', () => {
    const a = analyzeEscalation({ steps, acceptedAliases: ['x-1', 'x-2'], alerts, notifications: complete() })
    const text = renderEscalationSection({
      machine: { date: 'D', cpuModel: 'C', cores: 2, memoryGiB: 8, node: 'v20', os: 'O' },
      setup: ['Load: x'],
      runs: [
        {
          label: 'PG',
          analysis: a,
          sent: 2,
          accepted: 2,
          rejected: 0,
          rate: 2,
          ackP99Ms: 5,
          instances: [{ name: 'instance 1', counters: [['c_total', 3]], alive: true }],
          notes: ['n1'],
        },
        {
          label: 'SQ',
          error: 'did not start',
          sent: 0,
          accepted: 0,
          rejected: 0,
          rate: 0,
          ackP99Ms: Number.NaN,
          instances: [],
          notes: [],
        },
      ],
      verdicts: escalationVerdicts('PG', a),
      notes: [],
    })
    expect(text.startsWith('## escalation — D\n')).toBe(true)
    expect(text).toContain('| PG | rule 2: team, due +120 s | 4 | 10 | 10 | 10 | 10 |')
    expect(text).toContain('| PG | **all steps** | 8 |')
    expect(text).toContain('| SQ | not measured: did not start |')
    expect(text).toContain('- PG, instance 1: c_total +3')
    expect(text).toContain('| PG | zero missing | 0 | **PASS** |')
    expect(text).toContain('- PG: n1')
    expect(text.endsWith('\n')).toBe(true)
  })
})
