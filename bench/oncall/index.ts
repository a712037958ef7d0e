/**
 * The oncall benchmark: the pure schedule calculators (core/oncall) on a schedule of 20 restricted rotations
 * and 500 overrides. Times the one-year timeline (goal ≤ 20 ms) and the who-is-on-call point query
 * (goal ≤ 50 µs) after a warm-up, reports median and p99, and appends a section to bench/RESULTS.md.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Schedule } from '../../core/model/schedule'
import { compileSchedule, gaps, nextOnCall, onCallAt, timeline } from '../../core/oncall'
import { type CpuSnapshot, snapshot, waitForQuiet } from '../lib/cpu'
import { machineInfo } from '../lib/machine'
import type { Benchmark } from '../lib/registry'
import { buildSchedule, DEFAULT_FIXTURE, prng, SHAPE_LABELS, yearRange } from './fixture'
import { computeVerdicts, type Measurement, renderOncallSection, summarize } from './report'

const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url))
const RESULTS_HEADER = `# Benchmark results

Sections are appended by \`npm run bench -- <name>\` (bench/run.ts); earlier sections are never rewritten.
Figures from different machines are not comparable; compare targets within one section.

`

/** Usage text for `tsx bench/run.ts oncall --help`. */
export const ONCALL_USAGE = `oncall [--no-record]
  env: BENCH_ONCALL_TIMELINE_RUNS (300) BENCH_ONCALL_POINT_RUNS (20000)
       BENCH_QUIET_WAIT_SECONDS (60): longest wait for an idle machine before measuring`

const TIMELINE_TARGET_NS = 20e6
const DISTURBED_CORES = 0.25
const RETRIES = 2
const POINT_TARGET_NS = 50e3
const log = (msg: string): void => console.log(`[oncall] ${msg}`)

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`)
  return n
}

/** Cores used by other work between two snapshots: busy time minus this process, kernel threads and irq. */
function otherCores(a: CpuSnapshot, b: CpuSnapshot): number {
  const dTotal = b.machine.total - a.machine.total
  if (dTotal <= 0) return 0
  const cores = cpus().length
  const d = (x = 0, y = 0): number => ((y - x) / dTotal) * cores
  let kernel = 0
  for (const [pid, j] of b.kernel ?? []) kernel += j - (a.kernel?.get(pid) ?? 0)
  const busy = d(a.machine.busy, b.machine.busy)
  return Math.max(0, busy - d(a.self, b.self) - d(0, kernel) - d(a.machine.irq, b.machine.irq))
}

/** A timed phase: per-call samples, a checksum of results, and the other work seen meanwhile. */
interface Phase {
  samples: number[]
  check: number
  other: number
  attempts: number
}

/** Runs `fn` `n` times, timing each call; the results feed a checksum so no call can be optimised away. */
function timeEach<T>(n: number, fn: (i: number) => T, weigh: (r: T) => number): Phase {
  const samples = new Array<number>(n)
  let check = 0
  const before = snapshot()
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    const r = fn(i)
    samples[i] = Number(process.hrtime.bigint() - t0)
    check += weigh(r)
  }
  return { samples, check, other: otherCores(before, snapshot()), attempts: 1 }
}

/**
 * The machine is shared: a phase during which other work used more than DISTURBED_CORES is run again
 * (up to RETRIES more times, after waiting for a quieter machine) and the least disturbed attempt kept.
 */
async function settled(name: string, run: () => Phase): Promise<Phase> {
  let best = run()
  let last = best
  for (let i = 0; i < RETRIES && last.other > DISTURBED_CORES; i++) {
    log(`${name}: other work used ${last.other.toFixed(2)} cores; retrying`)
    await waitForQuiet(cpus().length, 0.3, 30_000)
    last = run()
    if (last.other < best.other) best = last
    best.attempts = i + 2
  }
  return best
}

/** The point query must agree with the timeline, or the figures would measure a wrong answer. */
function sanity(schedule: Schedule, instants: number[], from: number, to: number): string[] {
  const tl = timeline(schedule, from, to)
  const problems: string[] = []
  for (const t of instants.slice(0, 2000)) {
    const q = onCallAt(schedule, t)
    tl.final.forEach((rp, i) => {
      const p = rp.periods.find((x) => x.start <= t && t < x.end)
      if (JSON.stringify(p?.participant ?? null) !== JSON.stringify(q.rotations[i]?.participant ?? null))
        problems.push(`rotation ${rp.rotationId} at ${new Date(t).toISOString()}`)
    })
  }
  return problems.slice(0, 5)
}

async function runOncall(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--no-record')
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]}\nusage: ${ONCALL_USAGE}`)
  const record = !argv.includes('--no-record')
  const timelineRuns = envInt('BENCH_ONCALL_TIMELINE_RUNS', 300)
  const pointRuns = envInt('BENCH_ONCALL_POINT_RUNS', 20_000)
  const fixture = DEFAULT_FIXTURE
  const schedule = buildSchedule(fixture)
  const { from, to } = yearRange(fixture)
  const rand = prng(fixture.seed + 1)
  const instants = Array.from({ length: pointRuns }, () => from + Math.floor(rand() * (to - from)))

  const background = await waitForQuiet(cpus().length, 0.3, envInt('BENCH_QUIET_WAIT_SECONDS', 60) * 1000)
  log(`background load ${background.toFixed(2)} cores; warming up`)
  const coldStart = process.hrtime.bigint()
  const first = timeline(schedule, from, to)
  const coldFirstMs = Number(process.hrtime.bigint() - coldStart) / 1e6
  for (let i = 0; i < 30; i++) timeline(schedule, from, to)
  for (let i = 0; i < 5000; i++) onCallAt(schedule, instants[i % instants.length] as number)
  for (let i = 0; i < 500; i++) nextOnCall(schedule, instants[i % instants.length] as number)
  const problems = sanity(schedule, instants, from, to)
  if (problems.length) log(`SANITY FAILED: point query and timeline disagree: ${problems.join('; ')}`)

  const periods = first.final.reduce((n, r) => n + r.periods.length, 0)
  const measurements: Measurement[] = []
  const add = (m: Omit<Measurement, 'stats' | 'other' | 'attempts'>, p: Phase): void => {
    measurements.push({ ...m, stats: summarize(p.samples), other: p.other, attempts: p.attempts })
  }
  log(`timeline of ${fixture.year} (${periods} final periods) × ${timelineRuns}`)
  const tl = await settled('timeline', () =>
    timeEach(
      timelineRuns,
      () => timeline(schedule, from, to),
      (r) => r.final.length,
    ),
  )
  add(
    {
      name: 'one-year timeline',
      unit: 'ms',
      targetNs: TIMELINE_TARGET_NS,
      how: 'timeline(schedule, year start, year end): base, overrides and final, compiled schedule cached',
    },
    tl,
  )
  const cold = await settled('uncached timeline', () => {
    const clones = Array.from({ length: 50 }, () => structuredClone(schedule))
    return timeEach(
      clones.length,
      (i) => timeline(clones[i] as Schedule, from, to),
      (r) => r.final.length,
    )
  })
  add(
    {
      name: 'one-year timeline, uncached schedule',
      unit: 'ms',
      how: 'a fresh copy of the schedule each time: parsing dates and flattening 500 overrides included',
    },
    cold,
  )
  log(`onCallAt × ${pointRuns}`)
  const point = await settled('onCallAt', () =>
    timeEach(
      pointRuns,
      (i) => onCallAt(schedule, instants[i] as number),
      (r) => r.userIds.length,
    ),
  )
  add(
    {
      name: 'who is on call (onCallAt)',
      unit: 'µs',
      targetNs: POINT_TARGET_NS,
      how: 'onCallAt(schedule, instant) at random instants of the year, each call timed (hrtime adds ~0.1 µs)',
    },
    point,
  )
  const nextRuns = Math.min(pointRuns, 2000)
  const next = await settled('nextOnCall', () =>
    timeEach(
      nextRuns,
      (i) => nextOnCall(schedule, instants[i] as number),
      (r) => r.length,
    ),
  )
  add(
    {
      name: 'next on call (nextOnCall)',
      unit: 'µs',
      how: 'nextOnCall(schedule, instant) at random instants, all 20 rotations',
    },
    next,
  )
  const gapRuns = Math.min(timelineRuns, 50)
  const gap = await settled('gaps', () =>
    timeEach(
      gapRuns,
      () => gaps(schedule, from, to),
      (r) => r.length,
    ),
  )
  add(
    {
      name: 'one-year gaps',
      unit: 'ms',
      how: 'gaps(schedule, year start, year end): the final timeline plus a union of 20 rotations',
    },
    gap,
  )
  log(`checksum ${tl.check + cold.check + point.check + next.check + gap.check}`)

  const compiled = compileSchedule(schedule)
  const segments = compiled.overrides.reduce((n, s) => n + s.length, 0)
  const verdicts = computeVerdicts(measurements)
  const section = renderOncallSection({
    machine: await machineInfo(),
    setup: [
      `Schedule: ${fixture.zone} (two DST changes in ${fixture.year}), ${schedule.rotations.length} rotations, all ` +
        `restricted, 4–8 participants (every 4th with a none slot), shapes cycling through: ${SHAPE_LABELS.join('; ')}`,
      `Overrides: ${schedule.overrides.length} (seed ${fixture.seed}), 1–72 h each, 40% naming 1–3 rotations, ` +
        `the rest all; ${segments} override segments across the rotations`,
      `Year timeline: ${periods.toLocaleString('en-US')} final periods; first call (empty caches, zone table ` +
        `included) ${coldFirstMs.toFixed(1)} ms`,
      `Method: in-process, one thread; warm-up 30 timelines, 5,000 point and 500 next-on-call queries; then ` +
        `${timelineRuns} timelines and ${pointRuns.toLocaleString('en-US')} point queries, each call timed with ` +
        `process.hrtime; GC pauses are not excluded. Background load before the start: ${background.toFixed(2)} cores ` +
        `of ${cpus().length}; the machine is shared, so a phase during which other work used more than ` +
        `${DISTURBED_CORES} cores is run again (up to ${RETRIES} more times) and the least disturbed kept`,
      `Sanity: the point query agreed with the timeline at ${Math.min(2000, instants.length)} instants: ` +
        `${problems.length ? `**NO** (${problems.join('; ')})` : 'yes'}`,
    ],
    measurements,
    verdicts,
    notes: [],
  })
  console.log(`\n${section}`)
  if (record) {
    if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER)
    appendFileSync(RESULTS_FILE, `\n${section}`)
    log(`appended to ${RESULTS_FILE}`)
  } else log('not recorded (--no-record)')
  return problems.length ? 1 : 0
}

/** `tsx bench/run.ts oncall`: one-year timeline and point query latency of the schedule calculators. */
export const oncallBenchmark: Benchmark = {
  name: 'oncall',
  summary: 'schedule calculators: one-year timeline and who-is-on-call latency (20 rotations, 500 overrides)',
  usage: ONCALL_USAGE,
  run: runOncall,
}
