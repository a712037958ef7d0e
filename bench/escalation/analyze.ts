/**
 * Pure judgement of an escalation run from what the store holds afterwards: the lateness of every step
 * (notification written minus when it was due), duplicates, missing and unexpected notifications, and
 * PASS/FAIL against the targets. Nothing here reads a clock or the store.
 */

/** Latency summary in milliseconds (nearest-rank quantiles). */
export interface LatencyStats {
  count: number
  p50: number
  p99: number
  max: number
  min: number
  mean: number
}

/** Nearest-rank quantile of ascending samples; NaN when there are none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] as number
}

/** p50, p99, max, min and mean of samples (any order). */
export function latencyStats(samples: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(samples).sort()
  let sum = 0
  for (const v of sorted) sum += v
  const n = sorted.length
  return {
    count: n,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: n ? (sorted[n - 1] as number) : Number.NaN,
    min: n ? (sorted[0] as number) : Number.NaN,
    mean: n ? sum / n : Number.NaN,
  }
}

/** One step of the policy under test and who it must reach. */
export interface ExpectedStep {
  ruleIndex: number
  delayMs: number
  /** "user", "schedule on-call", "team (2 members)". */
  label: string
  /** User ids the step must notify, once each. */
  userIds: string[]
}

/** An alert of the run as the store holds it. */
export interface StoredAlert {
  id: string
  alias: string
  createdAt: number
}

/** A `create-alert` notification row of one of the run's alerts. */
export interface StoredNotification {
  alertId: string
  userId: string
  ruleIndex: number | null
  cycle: number | null
  createdAt: number
}

/** Everything the analysis needs. */
export interface EscalationInput {
  steps: ExpectedStep[]
  /** Aliases the server answered 202 for. */
  acceptedAliases: string[]
  alerts: StoredAlert[]
  notifications: StoredNotification[]
}

/** Lateness of one step across all alerts. */
export interface StepLateness {
  ruleIndex: number
  label: string
  delayMs: number
  stats: LatencyStats
}

/** The figures of one run. */
export interface EscalationAnalysis {
  perStep: StepLateness[]
  overall: LatencyStats
  /** (alert, rule, cycle, user) groups holding more than one row, and the rows beyond the first. */
  duplicateGroups: number
  duplicateRows: number
  /** Expected (alert, rule, cycle 0, user) with no row. */
  missing: number
  /** Missing per rule index (rule index → count). */
  missingByRule: Record<number, number>
  /** Rows for the run's alerts that no expected step explains (another user, rule or cycle). */
  unexpected: number
  /** Accepted aliases with no alert in the store. */
  alertsMissing: number
  /** Steps that were notified before they were due (negative lateness): a clock or engine error. */
  early: number
}

const groupKey = (alertId: string, rule: number | null, cycle: number | null, user: string): string =>
  `${alertId}\u0000${rule}\u0000${cycle}\u0000${user}`

/**
 * Joins notifications to alerts and expected steps. The lateness of a step is measured for every
 * notification row that an expected step explains (first row of its group; duplicates are counted apart).
 */
export function analyzeEscalation(input: EscalationInput): EscalationAnalysis {
  const byAlias = new Map(input.alerts.map((a) => [a.alias, a]))
  const ours = new Map<string, StoredAlert>()
  let alertsMissing = 0
  for (const alias of new Set(input.acceptedAliases)) {
    const a = byAlias.get(alias)
    if (a) ours.set(a.id, a)
    else alertsMissing++
  }
  const stepByRule = new Map(input.steps.map((s) => [s.ruleIndex, s]))
  const groups = new Map<string, number>()
  const lateness = new Map<number, number[]>(input.steps.map((s) => [s.ruleIndex, []]))
  let unexpected = 0
  let early = 0
  for (const n of input.notifications) {
    const alert = ours.get(n.alertId)
    if (!alert) continue
    const k = groupKey(n.alertId, n.ruleIndex, n.cycle, n.userId)
    const seen = groups.get(k) ?? 0
    groups.set(k, seen + 1)
    if (seen > 0) continue
    const step = n.ruleIndex === null ? undefined : stepByRule.get(n.ruleIndex)
    if (!step || n.cycle !== 0 || !step.userIds.includes(n.userId)) {
      unexpected++
      continue
    }
    const late = n.createdAt - (alert.createdAt + step.delayMs)
    if (late < 0) early++
    lateness.get(step.ruleIndex)?.push(late)
  }
  let duplicateGroups = 0
  let duplicateRows = 0
  for (const c of groups.values()) {
    if (c > 1) {
      duplicateGroups++
      duplicateRows += c - 1
    }
  }
  let missing = 0
  const missingByRule: Record<number, number> = {}
  for (const alert of ours.values()) {
    for (const step of input.steps) {
      for (const user of step.userIds) {
        if (!groups.has(groupKey(alert.id, step.ruleIndex, 0, user))) {
          missing++
          missingByRule[step.ruleIndex] = (missingByRule[step.ruleIndex] ?? 0) + 1
        }
      }
    }
  }
  const all: number[] = []
  const perStep = input.steps.map((s) => {
    const samples = lateness.get(s.ruleIndex) ?? []
    for (const v of samples) all.push(v)
    return { ruleIndex: s.ruleIndex, label: s.label, delayMs: s.delayMs, stats: latencyStats(samples) }
  })
  return {
    perStep,
    overall: latencyStats(all),
    duplicateGroups,
    duplicateRows,
    missing,
    missingByRule,
    unexpected,
    alertsMissing,
    early,
  }
}

/** The targets. */
export interface EscalationGoals {
  p99Ms: number
  maxMs: number
}

/** p99 ≤ 1 s, max ≤ 2 s (zero duplicates and zero missing are always required). */
export const ESCALATION_GOALS: EscalationGoals = { p99Ms: 1000, maxMs: 2000 }

/** One line of the verdict table. */
export interface EscalationVerdict {
  target: string
  check: string
  observed: string
  verdict: 'PASS' | 'FAIL'
  reason?: string
}

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} ms` : '—')

/**
 * PASS/FAIL per target. A run with nothing measured, or with alerts missing from the store, fails every
 * latency check: a figure over an incomplete run would measure a wrong answer.
 */
export function escalationVerdicts(
  target: string,
  a: EscalationAnalysis | undefined,
  goals: EscalationGoals = ESCALATION_GOALS,
  error?: string,
): EscalationVerdict[] {
  const checks = [
    `p99 lateness ≤ ${ms(goals.p99Ms)}`,
    `max lateness ≤ ${ms(goals.maxMs)}`,
    'zero duplicates',
    'zero missing',
  ]
  if (!a) {
    return checks.map((check) => ({
      target,
      check,
      observed: '—',
      verdict: 'FAIL',
      reason: `no result: ${error ?? '?'}`,
    }))
  }
  const incomplete =
    a.overall.count === 0
      ? 'no step was measured'
      : a.alertsMissing > 0
        ? `${a.alertsMissing} accepted alerts are not in the store`
        : undefined
  const out: EscalationVerdict[] = []
  const latency = (check: string, v: number, goal: number): void => {
    const ok = !incomplete && v <= goal
    out.push({ target, check, observed: ms(v), verdict: ok ? 'PASS' : 'FAIL', reason: incomplete })
  }
  latency(checks[0] as string, a.overall.p99, goals.p99Ms)
  latency(checks[1] as string, a.overall.max, goals.maxMs)
  out.push({
    target,
    check: checks[2] as string,
    observed: `${a.duplicateRows}`,
    verdict: a.duplicateRows === 0 ? 'PASS' : 'FAIL',
  })
  const missing = a.missing + a.alertsMissing
  out.push({
    target,
    check: checks[3] as string,
    observed: `${missing}`,
    verdict: missing === 0 && a.overall.count > 0 ? 'PASS' : 'FAIL',
    reason: a.overall.count === 0 ? 'no step was measured' : undefined,
  })
  return out
}

/** Expected notification rows for `alerts` alerts: one per step recipient. */
export function expectedRows(steps: ExpectedStep[], alerts: number): number {
  return alerts * steps.reduce((n, s) => n + s.userIds.length, 0)
}
