import { describe, expect, it } from 'vitest'
import { buildSchedule, DEFAULT_FIXTURE, prng } from '../../bench/oncall/fixture'
import {
  computeVerdicts,
  describeOther,
  formatNs,
  type Measurement,
  renderOncallSection,
  summarize,
} from '../../bench/oncall/report'
import { validateSchedule } from '../../core/model/schedule'

const machine = {
  date: 'Fri Nov 27 12:00:00 UTC 2026',
  cpuModel: 'Test CPU',
  cores: 2,
  memoryGiB: 8,
  node: 'v20.0.0',
  os: 'Test OS',
}

describe('oncall bench report', () => {
  it('summarises with nearest-rank median and p99', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => 100 - i))
    expect(s).toEqual({ iterations: 100, medianNs: 50, p99Ns: 99, meanNs: 50.5, minNs: 1, maxNs: 100 })
    expect(summarize([]).medianNs).toBeNaN()
  })

  it('judges median and p99 against the target, and only where there is one', () => {
    const m = (medianNs: number, p99Ns: number, targetNs?: number): Measurement => ({
      name: 'x',
      unit: 'µs',
      how: '',
      targetNs,
      stats: { iterations: 1, medianNs, p99Ns, meanNs: 0, minNs: 0, maxNs: 0 },
    })
    expect(
      computeVerdicts([m(10e3, 60e3, 50e3), m(1, 1)]).map((v) => [v.check, v.observed, v.verdict]),
    ).toEqual([
      ['median ≤ 50.0 µs', '10.0 µs', 'PASS'],
      ['p99 ≤ 50.0 µs', '60.0 µs', 'FAIL'],
    ])
    expect(formatNs(1_234_567, 'ms')).toBe('1.23 ms')
    expect(describeOther({ other: 0.5, attempts: 3 })).toBe('**0.50** (best of 3)')
    expect(describeOther({})).toBe('—')
  })

  it('renders a section with a heading, the tables and a trailing newline', () => {
    const stats = summarize([1e6, 2e6])
    const md = renderOncallSection({
      machine,
      setup: ['Schedule: test'],
      measurements: [{ name: 'a|b', unit: 'ms', how: 'h', stats, targetNs: 20e6, other: 0 }],
      verdicts: computeVerdicts([{ name: 'a|b', unit: 'ms', how: 'h', stats, targetNs: 20e6 }]),
      notes: [],
    })
    expect(md.startsWith('## oncall — Fri Nov 27 12:00:00 UTC 2026\n')).toBe(true)
    expect(md).toContain('| a\\|b | 2 | 1.00 ms | 2.00 ms |')
    expect(md).toContain('**PASS**')
    expect(md.endsWith('\n')).toBe(true)
  })

  it('builds a valid, deterministic fixture', () => {
    const a = buildSchedule()
    expect(validateSchedule(a)).toEqual([])
    expect(a.rotations).toHaveLength(DEFAULT_FIXTURE.rotations)
    expect(a.overrides).toHaveLength(DEFAULT_FIXTURE.overrides)
    expect(a.rotations.every((r) => r.timeRestriction)).toBe(true)
    expect(buildSchedule()).toEqual(a)
    const r = prng(1)
    expect(r()).not.toBe(r())
  })
})
