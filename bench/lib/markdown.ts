/** Renders one ingest run as a markdown section for bench/RESULTS.md (appended, never rewritten). */
import type { MachineInfo } from './machine'
import type { Ratio, TargetRun, Verdict } from './report'
import { totalErrors, type WrkResult } from './wrk'

/** Everything a section states about how the run was made. */
export interface IngestSettings {
  connections: number
  threads: number
  warmupSec: number
  seconds: number
  timeoutSec: number
  /** Extra attempts allowed for a disturbed target. */
  retries: number
  bodies: number
  aliases: number
  bodyBytes: { min: number; max: number; mean: number }
  amBodyBytes: { min: number; max: number; mean: number }
  wrk: string
  alertmanager: string
  /** Server version and how the PostgreSQL target was isolated, or 'not run'. */
  postgres: string
  /** Targets selected (all four unless --only). */
  only: string[]
  partial: boolean
}

/** Input of renderIngestSection. */
export interface IngestReport {
  machine: MachineInfo
  settings: IngestSettings
  runs: TargetRun[]
  ratios: Ratio[]
  verdicts: Verdict[]
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—'

/** "0" or a breakdown such as "12 (status 10, timeout 2)". */
export function describeErrors(r: WrkResult): string {
  const total = totalErrors(r.errors)
  if (total === 0) return '0'
  const parts = Object.entries(r.errors)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k === 'status' ? 'non-2xx' : k} ${n}`)
  return `**${total}** (${parts.join(', ')})`
}

/** "target 1.02, wrk 0.80, other 0.05": busy cores while measured (other = neither target, wrk nor bench). */
export function describeCpu(cpu: TargetRun['cpu']): string {
  if (!cpu || cpu.machine === undefined) return '—'
  const f = (n: number | undefined): string => (n === undefined ? '?' : n.toFixed(2))
  const other =
    cpu.other === undefined ? '' : `, other ${cpu.other > 0.25 ? `**${f(cpu.other)}**` : f(cpu.other)}`
  const db = cpu.db === undefined ? '' : ` + postgres ${f(cpu.db)}`
  const kernel = cpu.kernel === undefined ? '' : `, kernel threads ${f(cpu.kernel)}`
  return `target ${f(cpu.target)}${db}${kernel}, wrk ${f(cpu.loader)}${other} (of ${f(cpu.machine)} busy)`
}

/** Escapes a table cell (pipes and newlines would break the row). */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}

/** The full section, starting with a level-2 heading and ending with a newline. */
export function renderIngestSection(rep: IngestReport): string {
  const { machine: m, settings: s } = rep
  const lines: string[] = []
  lines.push(`## ingest — ${m.date}${s.partial ? ` (partial: ${s.only.join(', ')})` : ''}`, '')
  lines.push(
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}; Node ${m.node}`,
    m.fsync
      ? `- Disk: fdatasync of 4 KiB in ${m.fsync.dir}: p50 ${m.fsync.p50Ms.toFixed(2)} ms, p99 ${m.fsync.p99Ms.toFixed(2)} ms`
      : '- Disk: fdatasync latency not measured',
    `- Load: ${s.wrk}, ${s.threads} threads, ${s.connections} connections, one alert per request, ` +
      `${s.warmupSec} s warm-up then ${s.seconds} s measured, request timeout ${s.timeoutSec} s; a target whose ` +
      `measured run other work disturbed is run again (up to ${s.retries} more times) and the least disturbed kept`,
    `- Stream: ${fmt(s.bodies)} bodies cycling over ${fmt(s.aliases)} aliases; Opsgenie bodies ` +
      `${s.bodyBytes.min}–${s.bodyBytes.max} B (mean ${fmt(s.bodyBytes.mean)}), Alertmanager bodies ` +
      `${s.amBodyBytes.min}–${s.amBodyBytes.max} B (mean ${fmt(s.amBodyBytes.mean)})`,
    `- Alertmanager: ${s.alertmanager === 'not run' ? 'not run' : `${s.alertmanager}, null receiver, clustering off`}`,
    `- PostgreSQL (for Vigil on PostgreSQL): ${s.postgres}`,
    `- The load generator (wrk) shares the ${m.cores} cores with the target, so every figure is lower than on ` +
      'a split setup; targets run one at a time and are compared with each other, not with other machines.',
    "- CPU cores: busy cores during the measured run: the target process (plus PostgreSQL's processes for " +
      'Vigil on PostgreSQL), kernel threads (journaling, block I/O), wrk, and other work on the machine ' +
      '(interrupt time excluded; bold when above 0.25: that run was disturbed and is retried).',
    '',
  )
  lines.push(
    '| Target | req/s (alerts/s) | p50 ms | p90 ms | p99 ms | max ms | requests | errors | CPU cores |',
  )
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |')
  for (const run of rep.runs) {
    const r = run.result
    if (!r) {
      lines.push(`| ${run.label} | — | — | — | — | — | — | not measured: ${cell(run.error ?? '?')} | — |`)
      continue
    }
    lines.push(
      `| ${run.label} | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p90Ms, 2)} | ${fmt(r.p99Ms, 2)} | ` +
        `${fmt(r.maxMs, 1)} | ${fmt(r.requests)} | ${describeErrors(r)} | ${describeCpu(run.cpu)} |`,
    )
  }
  lines.push('')
  if (rep.ratios.length) {
    lines.push('| Ratio (req/s) | value | clean |', '| --- | ---: | --- |')
    for (const q of rep.ratios) {
      lines.push(
        `| ${q.target} / ${q.baseline} | ${q.ratio.toFixed(2)}× | ${q.clean ? 'yes' : 'no (errors)'} |`,
      )
    }
    lines.push('')
  }
  if (rep.verdicts.length) {
    lines.push('| Target | goal | observed | verdict |', '| --- | --- | ---: | --- |')
    for (const v of rep.verdicts) {
      const why = v.reason ? ` (${cell(v.reason)})` : ''
      lines.push(`| ${v.target} | ${v.check} | ${v.observed} | **${v.verdict}**${why} |`)
    }
    lines.push('')
  }
  const sane = rep.runs.filter((r) => r.sanity)
  if (sane.length) {
    lines.push('Store sanity check after each Vigil run:', '')
    for (const run of sane) {
      const c = run.sanity
      if (!c) continue
      const got = [
        c.apiCount !== undefined ? `API count ${fmt(c.apiCount)}` : undefined,
        c.distinctAliases !== undefined ? `distinct aliases ${fmt(c.distinctAliases)}` : undefined,
        `expected ${c.expected.min === c.expected.max ? fmt(c.expected.min) : `${fmt(c.expected.min)}–${fmt(c.expected.max)}`}`,
        c.occurrences !== undefined
          ? `occurrences ${fmt(c.occurrences)} for ${fmt(c.accepted)} 2xx`
          : undefined,
      ].filter(Boolean)
      const problems = c.problems.length ? `: ${c.problems.join('; ')}` : ''
      lines.push(`- ${run.label}: ${c.ok ? 'OK' : '**FAILED**'} — ${got.join(', ')}${problems}`)
    }
    lines.push('')
  }
  const notes = rep.runs.flatMap((r) => r.notes.map((n) => `- ${r.label}: ${n}`))
  if (notes.length) lines.push('Notes:', '', ...notes, '')
  return `${lines.join('\n')}\n`
}
