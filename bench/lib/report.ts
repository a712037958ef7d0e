/**
 * Pure judgement of an ingest run: ratios between targets and PASS/FAIL against the issue's goals. Nothing here hides an error: a run with errors can only FAIL or be N/A.
 */
import type { SanityCheck } from './sanity'
import { totalErrors, type WrkResult } from './wrk'

/** The ingest targets, in the order they are run. */
export const TARGET_IDS = ['noop', 'alertmanager', 'floor', 'vigil-sqlite', 'vigil-postgres'] as const
export type TargetId = (typeof TARGET_IDS)[number]

/** One target's run. `error` means it produced no figures (failed to start, wrk failed…). */
export interface TargetRun {
  id: TargetId
  label: string
  warmup?: WrkResult
  result?: WrkResult
  error?: string
  notes: string[]
  sanity?: SanityCheck
  /** Cores busy: machine-wide before the start (background); during the measured run by whom. */
  cpu?: {
    background: number
    machine?: number
    target?: number
    db?: number
    kernel?: number
    loader?: number
    other?: number
  }
}

/** The issue's goals. */
export interface Goals {
  /** Vigil requests/s ≥ this × Alertmanager's. */
  vsAlertmanager: number
  /** Vigil requests/s ≥ this × the no-op ceiling's. */
  vsNoop: number
  /** Vigil p99 latency ≤ this many ms. */
  p99Ms: number
}

/** Goals as written in the issue. */
export const ISSUE_GOALS: Goals = { vsAlertmanager: 1.0, vsNoop: 0.8, p99Ms: 10 }

/** One line of the verdict table. */
export interface Verdict {
  target: TargetId
  check: string
  observed: string
  verdict: 'PASS' | 'FAIL' | 'N/A'
  reason?: string
}

/** A throughput ratio between a Vigil target and a baseline. */
export interface Ratio {
  target: TargetId
  baseline: TargetId
  ratio: number
  /** False when either side had errors, so the number must not be read as a clean comparison. */
  clean: boolean
}

/** Errors in a run's measured phase (0 when it has no result). */
export function runErrors(run: TargetRun): number {
  return run.result ? totalErrors(run.result.errors) : 0
}

const VIGIL: TargetId[] = ['vigil-sqlite', 'vigil-postgres']
const BASELINES: TargetId[] = ['alertmanager', 'noop']
/** Targets whose ratios are reported: Vigil's, and the durable floor's (a reference, never judged). */
const RATIO_TARGETS: TargetId[] = ['floor', ...VIGIL]

/** Vigil/baseline (and floor/baseline) throughput ratios for every pair that has figures. */
export function computeRatios(runs: TargetRun[]): Ratio[] {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const out: Ratio[] = []
  for (const target of RATIO_TARGETS) {
    for (const baseline of BASELINES) {
      const t = byId.get(target)
      const b = byId.get(baseline)
      if (!t?.result || !b?.result || b.result.rps <= 0) continue
      out.push({
        target,
        baseline,
        ratio: t.result.rps / b.result.rps,
        clean: runErrors(t) === 0 && runErrors(b) === 0,
      })
    }
  }
  return out
}

/** PASS/FAIL/N/A for each Vigil target that was selected for the run. */
export function computeVerdicts(runs: TargetRun[], goals: Goals = ISSUE_GOALS): Verdict[] {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const out: Verdict[] = []
  for (const target of VIGIL) {
    const t = byId.get(target)
    if (!t) continue
    const checks = [
      {
        check: `≥ ${goals.vsAlertmanager.toFixed(1)}× Alertmanager req/s`,
        baseline: 'alertmanager' as const,
      },
      { check: `≥ ${goals.vsNoop.toFixed(1)}× no-op ceiling req/s`, baseline: 'noop' as const },
      { check: `p99 ≤ ${goals.p99Ms} ms`, baseline: undefined },
    ]
    for (const c of checks) {
      if (!t.result) {
        // A Vigil target that was asked for and could not be measured has not met the goal.
        out.push({
          target,
          check: c.check,
          observed: '—',
          verdict: 'FAIL',
          reason: `no result: ${t.error ?? '?'}`,
        })
        continue
      }
      const errs = runErrors(t)
      const errReason = errs > 0 ? `${errs} errors in the measured run` : undefined
      if (c.baseline === undefined) {
        const observed = `${t.result.p99Ms.toFixed(2)} ms`
        const pass = t.result.p99Ms <= goals.p99Ms && errs === 0
        out.push({ target, check: c.check, observed, verdict: pass ? 'PASS' : 'FAIL', reason: errReason })
        continue
      }
      const goal = c.baseline === 'alertmanager' ? goals.vsAlertmanager : goals.vsNoop
      const b = byId.get(c.baseline)
      if (!b?.result) {
        const why = b ? `baseline failed: ${b.error ?? '?'}` : 'baseline not run'
        out.push({ target, check: c.check, observed: '—', verdict: 'N/A', reason: why })
        continue
      }
      const ratio = t.result.rps / b.result.rps
      const observed = `${ratio.toFixed(2)}×`
      if (errs > 0) {
        out.push({ target, check: c.check, observed, verdict: 'FAIL', reason: errReason })
      } else if (runErrors(b) > 0) {
        out.push({
          target,
          check: c.check,
          observed,
          verdict: 'N/A',
          reason: `baseline had ${runErrors(b)} errors`,
        })
      } else {
        out.push({ target, check: c.check, observed, verdict: ratio >= goal ? 'PASS' : 'FAIL' })
      }
    }
  }
  return out
}

/** The attempt least disturbed by other work (unknown counts as worst), with a note on the others. */
export function pickLeastDisturbed(attempts: TargetRun[]): TargetRun {
  const disturbance = (r: TargetRun): number => r.cpu?.other ?? Number.POSITIVE_INFINITY
  const best = attempts.reduce((a, b) => (disturbance(b) < disturbance(a) ? b : a))
  if (attempts.length > 1) {
    const others = attempts.map((r) => (r.cpu?.other === undefined ? '?' : r.cpu.other.toFixed(2))).join(', ')
    const rps = attempts.map((r) => (r.result ? r.result.rps.toFixed(0) : '—')).join(', ')
    best.notes.push(
      `kept attempt ${attempts.indexOf(best) + 1} of ${attempts.length}, the least disturbed ` +
        `(other work per attempt: ${others} cores; req/s per attempt: ${rps})`,
    )
  }
  return best
}
