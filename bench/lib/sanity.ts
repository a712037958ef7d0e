/**
 * Pure check of what a Vigil store holds after a run: the right number of distinct aliases, and every
 * 2xx answer recorded as an occurrence. The expectations are derived from what wrk actually sent, so a
 * slow target that never reached every alias is judged on the aliases it was sent.
 */
import type { WrkResult } from './wrk'

/** What the store held after a Vigil run. */
export interface SanityObserved {
  /** data.count from GET /v2/alerts/count, if the call worked. */
  apiCount?: number
  /** count(distinct alias) read straight from the database. */
  distinctAliases?: number
  /** sum(count): every accepted occurrence, deduplicated ones included. */
  occurrences?: number
  /** Why a figure is missing. */
  problems: string[]
}

/** Inclusive range of distinct aliases the store may legitimately hold. */
export interface AliasRange {
  min: number
  max: number
}

/** Sanity verdict with the figures it was based on. */
export interface SanityCheck extends SanityObserved {
  expected: AliasRange
  /** 2xx answers: wrk's over warm-up and measured run, plus the probes. */
  accepted: number
  /** Requests that may have reached the server without wrk seeing the answer (cut off at the end, timeouts). */
  slack: number
  ok: boolean
}

/** The stream layout the Lua script walks (see buildLuaScript). */
export interface StreamLayout {
  threads: number
  bodies: number
  aliases: number
  connections: number
}

/** 2xx responses wrk counted in a phase: every completed request that was not a status error. */
export function accepted(r: WrkResult | undefined): number {
  return r ? r.requests - r.errors.status : 0
}

/** Socket-level failures of a phase: each may or may not have reached the server. */
function socketErrors(r: WrkResult): number {
  const e = r.errors
  return e.timeout + e.read + e.write + e.connect
}

/** Requests one thread may have sent without an answer: one per connection at the end, plus failures. */
function unanswered(r: WrkResult, layout: StreamLayout): number {
  return Math.ceil(layout.connections / layout.threads) + socketErrors(r)
}

/** Distinct aliases of the bodies thread t sends first when it has sent n of them. */
function aliasesSent(counts: number[], layout: StreamLayout, into: Set<number>): void {
  counts.forEach((n, t) => {
    for (let j = 0; j < n && into.size < layout.aliases; j++) {
      into.add(((t + layout.threads * j) % layout.bodies) % layout.aliases)
    }
  })
}

/**
 * Which distinct-alias counts are consistent with the phases: every body a thread generated (upper
 * bound) down to those it certainly had answered (lower bound). Each phase restarts the stream, so
 * per thread the longest phase decides. `probeAliases` are sent outside wrk (the start-up probe).
 */
export function expectedAliasRange(
  phases: WrkResult[],
  layout: StreamLayout,
  probeAliases: number[] = [],
): AliasRange {
  const per = phases.map((p) => p.sentPerThread)
  if (per.some((s) => s === undefined || s.length !== layout.threads)) {
    // Without per-thread counts (text fallback) only a sure case is exact: enough answers for every body.
    const total = phases.reduce((n, p) => n + accepted(p), 0)
    return total >= layout.bodies + layout.connections
      ? { min: layout.aliases, max: layout.aliases }
      : { min: 1, max: layout.aliases }
  }
  const hi = new Set(probeAliases)
  const lo = new Set(probeAliases)
  const maxOf = (f: (p: WrkResult, t: number) => number): number[] =>
    Array.from({ length: layout.threads }, (_, t) => Math.max(0, ...phases.map((p) => f(p, t))))
  aliasesSent(
    maxOf((p, t) => p.sentPerThread?.[t] ?? 0),
    layout,
    hi,
  )
  aliasesSent(
    maxOf((p, t) => (p.sentPerThread?.[t] ?? 0) - unanswered(p, layout)),
    layout,
    lo,
  )
  return { min: lo.size, max: hi.size }
}

/**
 * Judges the store: API count and distinct aliases inside `expected`, and occurrences (sum of counts)
 * at least the 2xx answers and at most that plus what may have been sent unanswered.
 */
export function judgeSanity(
  observed: SanityObserved,
  expected: AliasRange,
  phases: WrkResult[],
  layout: StreamLayout,
  /** 2xx answers to requests sent outside wrk (the probes). */
  extraAccepted = 0,
): SanityCheck {
  const acc = phases.reduce((n, r) => n + accepted(r), extraAccepted)
  const slack = phases.reduce((n, r) => n + layout.connections + socketErrors(r), 0)
  const problems = [...observed.problems]
  const range = expected.min === expected.max ? `${expected.min}` : `${expected.min}–${expected.max}`
  const inRange = (n: number): boolean => n >= expected.min && n <= expected.max
  if (observed.apiCount !== undefined && !inRange(observed.apiCount)) {
    problems.push(`API count ${observed.apiCount}, expected ${range}`)
  }
  if (observed.distinctAliases !== undefined && !inRange(observed.distinctAliases)) {
    problems.push(`distinct aliases ${observed.distinctAliases}, expected ${range}`)
  }
  if (observed.occurrences !== undefined) {
    if (observed.occurrences < acc) problems.push(`occurrences ${observed.occurrences} < 2xx answers ${acc}`)
    if (observed.occurrences > acc + slack) {
      problems.push(`occurrences ${observed.occurrences} > 2xx answers ${acc} + ${slack} possibly unanswered`)
    }
  }
  const measured = observed.apiCount !== undefined || observed.distinctAliases !== undefined
  return { ...observed, problems, expected, accepted: acc, slack, ok: measured && problems.length === 0 }
}
