import { describe, expect, it } from 'vitest'
import { expectedAliasRange, judgeSanity } from '../../bench/lib/sanity'
import type { WrkResult } from '../../bench/lib/wrk'

function phase(
  requests: number,
  sentPerThread?: number[],
  errors: Partial<WrkResult['errors']> = {},
): WrkResult {
  return {
    requests,
    durationSec: 1,
    rps: requests,
    p50Ms: 1,
    p90Ms: 1,
    p99Ms: 1,
    maxMs: 1,
    meanMs: 1,
    errors: { connect: 0, read: 0, write: 0, timeout: 0, status: 0, ...errors },
    sentPerThread,
    source: 'json',
  }
}

const layout = { threads: 2, bodies: 10_000, aliases: 5000, connections: 32 }

describe('expected distinct aliases', () => {
  it('is exactly every alias once each thread has gone through its half of the aliases', () => {
    expect(expectedAliasRange([phase(9000, [4500, 4500]), phase(20_000, [10_000, 10_000])], layout)).toEqual({
      min: 5000,
      max: 5000,
    })
  })

  it('is a range for a short run: generated bodies versus those certainly answered', () => {
    // Thread 0 sends aliases 0,2,4,… and thread 1 sends 1,3,5,…; 16 connections each may be unanswered.
    expect(expectedAliasRange([phase(200, [100, 100])], layout)).toEqual({ min: 168, max: 200 })
    // The probe's alias 0 is certainly there even if thread 0 never got an answer.
    expect(expectedAliasRange([phase(10, [5, 5])], layout, [0])).toEqual({ min: 1, max: 10 })
  })

  it('takes the longest phase per thread, since each phase restarts the stream', () => {
    expect(expectedAliasRange([phase(200, [100, 100]), phase(100, [50, 50])], layout).max).toBe(200)
  })

  it('falls back to a loose range without per-thread counts', () => {
    expect(expectedAliasRange([phase(100)], layout)).toEqual({ min: 1, max: 5000 })
    expect(expectedAliasRange([phase(20_000)], layout)).toEqual({ min: 5000, max: 5000 })
  })
})

describe('store sanity verdict', () => {
  const phases = [phase(9000, [4500, 4500]), phase(30_000, [15_000, 15_000], { status: 10 })]
  const exact = { min: 5000, max: 5000 }

  it('accepts the expected aliases with every 2xx recorded', () => {
    const c = judgeSanity(
      { problems: [], apiCount: 5000, distinctAliases: 5000, occurrences: 39_000 },
      exact,
      phases,
      layout,
      1,
    )
    expect(c.accepted).toBe(9000 + 29_990 + 1)
    expect(c.slack).toBe(64)
    expect(c.ok).toBe(true)
  })

  it('flags a wrong count, lost writes and phantom writes', () => {
    const lost = judgeSanity(
      { problems: [], apiCount: 4999, distinctAliases: 5000, occurrences: 100 },
      exact,
      phases,
      layout,
    )
    expect(lost.ok).toBe(false)
    expect(lost.problems).toEqual(['API count 4999, expected 5000', 'occurrences 100 < 2xx answers 38990'])
    const phantom = judgeSanity(
      { problems: [], distinctAliases: 5000, occurrences: 50_000 },
      exact,
      phases,
      layout,
    )
    expect(phantom.problems).toEqual(['occurrences 50000 > 2xx answers 38990 + 64 possibly unanswered'])
  })

  it('is not OK when nothing could be read', () => {
    const c = judgeSanity({ problems: ['GET /v2/alerts/count failed'] }, exact, phases, layout)
    expect(c.ok).toBe(false)
    expect(judgeSanity({ problems: [] }, exact, phases, layout).ok).toBe(false)
  })
})
