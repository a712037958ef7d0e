/** Pure part of the oncall benchmark: statistics, verdicts and the RESULTS.md section. */
import type { MachineInfo } from '../lib/machine'
import { cell } from '../lib/markdown'

/** Summary of one measurement's samples, in nanoseconds. */
export interface Stats {
  iterations: number
  medianNs: number
  p99Ns: number
  meanNs: number
  minNs: number
  maxNs: number
}

/** Nearest-rank quantile of sorted samples. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/** Median, p99 (nearest rank), mean, min and max of samples in nanoseconds. */
export function summarize(samplesNs: readonly number[]): Stats {
  const sorted = [...samplesNs].sort((a, b) => a - b)
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    iterations: sorted.length,
    medianNs: quantile(sorted, 0.5),
    p99Ns: quantile(sorted, 0.99),
    meanNs: sorted.length ? sum / sorted.length : Number.NaN,
    minNs: sorted[0] ?? Number.NaN,
    maxNs: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

/** One timed operation; `targetNs` when the issue sets a goal for it. */
export interface Measurement {
  name: string
  unit: 'ms' | 'µs'
  stats: Stats
  targetNs?: number
  /** How the samples were taken, for the section. */
  how: string
  /** Cores other work on the machine used while this was measured. */
  other?: number
  /** Attempts made (a disturbed phase is run again and the least disturbed kept). */
  attempts?: number
}

/** "0.02", bold above 0.25 (disturbed), with the attempt count when the phase was retried. */
export function describeOther(m: Pick<Measurement, 'other' | 'attempts'>): string {
  if (m.other === undefined) return '—'
  const v = m.other > 0.25 ? `**${m.other.toFixed(2)}**` : m.other.toFixed(2)
  return m.attempts && m.attempts > 1 ? `${v} (best of ${m.attempts})` : v
}

/** One line of the verdict table. */
export interface Verdict {
  name: string
  check: string
  observed: string
  verdict: 'PASS' | 'FAIL'
}

const SCALE = { ms: 1e6, µs: 1e3 } as const

/** "1.23 ms" / "12.3 µs". */
export function formatNs(ns: number, unit: Measurement['unit']): string {
  const v = ns / SCALE[unit]
  return `${v.toFixed(v < 10 ? 2 : 1)} ${unit}`
}

/** Median and p99 against the target for every measurement that has one. */
export function computeVerdicts(ms: readonly Measurement[]): Verdict[] {
  const out: Verdict[] = []
  for (const m of ms) {
    if (m.targetNs === undefined) continue
    const target = formatNs(m.targetNs, m.unit)
    for (const [label, v] of [
      ['median', m.stats.medianNs],
      ['p99', m.stats.p99Ns],
    ] as const) {
      out.push({
        name: m.name,
        check: `${label} ≤ ${target}`,
        observed: formatNs(v, m.unit),
        verdict: v <= m.targetNs ? 'PASS' : 'FAIL',
      })
    }
  }
  return out
}

/** Input of renderOncallSection. */
export interface OncallReport {
  machine: MachineInfo
  /** Lines describing the schedule and the method. */
  setup: string[]
  measurements: Measurement[]
  verdicts: Verdict[]
  notes: string[]
}

/** The full section, starting with a level-2 heading and ending with a newline. */
export function renderOncallSection(rep: OncallReport): string {
  const m = rep.machine
  const lines = [
    `## oncall — ${m.date}`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}`,
    ...rep.setup.map((s) => `- ${s}`),
    '',
    '| Measurement | iterations | median | p99 | mean | min | max | other work (cores) | how |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const x of rep.measurements) {
    const s = x.stats
    const f = (ns: number) => formatNs(ns, x.unit)
    lines.push(
      `| ${cell(x.name)} | ${s.iterations.toLocaleString('en-US')} | ${f(s.medianNs)} | ${f(s.p99Ns)} | ` +
        `${f(s.meanNs)} | ${f(s.minNs)} | ${f(s.maxNs)} | ${describeOther(x)} | ${cell(x.how)} |`,
    )
  }
  lines.push('')
  if (rep.verdicts.length) {
    lines.push('| Measurement | goal | observed | verdict |', '| --- | --- | ---: | --- |')
    for (const v of rep.verdicts)
      lines.push(`| ${cell(v.name)} | ${v.check} | ${v.observed} | **${v.verdict}** |`)
    lines.push('')
  }
  if (rep.notes.length) lines.push('Notes:', '', ...rep.notes.map((n) => `- ${n}`), '')
  return `${lines.join('\n')}\n`
}
