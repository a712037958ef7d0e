/** Renders one escalation run as a markdown section for bench/RESULTS.md (appended, never rewritten). */
import type { MachineInfo } from '../lib/machine'
import { cell } from '../lib/markdown'
import type { EscalationAnalysis, EscalationVerdict, LatencyStats } from './analyze'

/** What one target (SQLite, or PostgreSQL with two instances) produced. */
export interface EscalationTargetRun {
  label: string
  analysis?: EscalationAnalysis
  /** Why there are no figures (failed to start, setup refused…). */
  error?: string
  /** Alerts sent, answered 202, and answered otherwise. */
  sent: number
  accepted: number
  rejected: number
  /** Achieved send rate (alerts/s) and the 202 latency p99 (ms). */
  rate: number
  ackP99Ms: number
  /** Per server instance: name and what its /metrics says it wrote (counter deltas), if anything. */
  instances: Array<{ name: string; counters: Array<[string, number]>; alive: boolean }>
  /** Busy cores while the run lasted: the servers (and PostgreSQL), and other work. */
  cpu?: string
  notes: string[]
}

/** Input of renderEscalationSection. */
export interface EscalationReport {
  machine: MachineInfo
  setup: string[]
  runs: EscalationTargetRun[]
  verdicts: EscalationVerdict[]
  notes: string[]
}

const ms = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—')
const n = (v: number): string => v.toLocaleString('en-US')

function statsCells(s: LatencyStats): string {
  return `${n(s.count)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${ms(s.min)}`
}

/** The full section, starting with a level-2 heading and ending with a newline. */
export function renderEscalationSection(rep: EscalationReport): string {
  const m = rep.machine
  const lines = [
    `## escalation — ${m.date}`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}`,
    ...rep.setup.map((s) => `- ${s}`),
    '',
    '| Target | step | notifications | p50 ms | p99 ms | max ms | min ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rep.runs) {
    if (!r.analysis) {
      lines.push(`| ${cell(r.label)} | not measured: ${cell(r.error ?? '?')} | — | — | — | — | — |`)
      continue
    }
    for (const s of r.analysis.perStep) {
      const label = `rule ${s.ruleIndex}: ${s.label}, due +${s.delayMs / 1000} s`
      lines.push(`| ${cell(r.label)} | ${cell(label)} | ${statsCells(s.stats)} |`)
    }
    lines.push(`| ${cell(r.label)} | **all steps** | ${statsCells(r.analysis.overall)} |`)
  }
  lines.push(
    '',
    '| Target | alerts sent / 202 / other | send rate | 202 p99 ms | duplicates | missing | unexpected | early | CPU |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  )
  for (const r of rep.runs) {
    const a = r.analysis
    const missing = a
      ? `${n(a.missing + a.alertsMissing)}${a.alertsMissing ? ` (${n(a.alertsMissing)} alerts not stored)` : ''}` +
        (a.missing
          ? ` by rule: ${Object.entries(a.missingByRule)
              .map(([k, v]) => `${k}: ${n(v)}`)
              .join(', ')}`
          : '')
      : '—'
    lines.push(
      `| ${cell(r.label)} | ${n(r.sent)} / ${n(r.accepted)} / ${n(r.rejected)} | ${r.rate.toFixed(1)}/s | ` +
        `${ms(r.ackP99Ms)} | ${a ? `${n(a.duplicateRows)} in ${n(a.duplicateGroups)} groups` : '—'} | ` +
        `${cell(missing)} | ${a ? n(a.unexpected) : '—'} | ${a ? n(a.early) : '—'} | ${cell(r.cpu ?? '—')} |`,
    )
  }
  lines.push('')
  const withInstances = rep.runs.filter((r) => r.instances.length > 0)
  if (withInstances.length) {
    lines.push('Work per server instance (counter increases in its /metrics during the run):', '')
    for (const r of withInstances) {
      for (const i of r.instances) {
        const c = i.counters.length
          ? i.counters.map(([k, v]) => `${k} +${n(v)}`).join(', ')
          : 'no escalation or notification counter moved (or none is exported)'
        lines.push(`- ${r.label}, ${i.name}${i.alive ? '' : ' (**not alive at the end**)'}: ${cell(c)}`)
      }
    }
    lines.push('')
  }
  if (rep.verdicts.length) {
    lines.push('| Target | goal | observed | verdict |', '| --- | --- | ---: | --- |')
    for (const v of rep.verdicts) {
      const why = v.reason ? ` (${cell(v.reason)})` : ''
      lines.push(`| ${cell(v.target)} | ${v.check} | ${v.observed} | **${v.verdict}**${why} |`)
    }
    lines.push('')
  }
  const notes = [...rep.notes, ...rep.runs.flatMap((r) => r.notes.map((x) => `${r.label}: ${x}`))]
  if (notes.length) lines.push('Notes:', '', ...notes.map((x) => `- ${cell(x)}`), '')
  return `${lines.join('\n')}\n`
}
