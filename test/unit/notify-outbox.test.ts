import { describe, expect, it } from 'vitest'
import { DEFAULT_BACKOFF, retryDelayMs, shouldRetry } from '../../core/notify/backoff'
import { bundle } from '../../core/notify/bundle'
import { admit, type RateLimits } from '../../core/notify/rate-limit'

describe('retryDelayMs', () => {
  it('doubles per attempt with equal jitter, capped', () => {
    const p = { baseMs: 30_000, maxMs: 120_000, maxAttempts: 6 }
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(p, a, 0))).toEqual([
      15_000, 30_000, 60_000, 60_000, 60_000,
    ])
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(p, a, 0.999999))).toEqual([
      30_000, 60_000, 120_000, 120_000, 120_000,
    ])
    for (let i = 0; i < 100; i++) {
      const r = Math.random()
      const d = retryDelayMs(DEFAULT_BACKOFF, 3, r)
      expect(d).toBeGreaterThanOrEqual(60_000)
      expect(d).toBeLessThanOrEqual(120_000)
    }
  })

  it('stops after maxAttempts', () => {
    expect(shouldRetry({ ...DEFAULT_BACKOFF, maxAttempts: 3 }, 2)).toBe(true)
    expect(shouldRetry({ ...DEFAULT_BACKOFF, maxAttempts: 3 }, 3)).toBe(false)
  })
})

describe('admit', () => {
  const limits: RateLimits = { windowMs: 60_000, perUser: 2, perChannel: { sms: 3 } }

  it('admits per user up to the limit, counting what was already sent', () => {
    const sent = { byUser: new Map([['u1', 1]]), byChannel: new Map() }
    const out = admit(limits, sent, [
      { userId: 'u1', channel: 'email' },
      { userId: 'u1', channel: 'webhook' },
      { userId: 'u2', channel: 'email' },
    ])
    expect(out).toEqual([true, false, true])
  })

  it('admits per channel across users; channels without a limit are unlimited', () => {
    const sent = { byUser: new Map(), byChannel: new Map([['sms', 2]]) }
    const out = admit(limits, sent, [
      { userId: 'a', channel: 'sms' },
      { userId: 'b', channel: 'sms' },
      { userId: 'c', channel: 'email' },
    ])
    expect(out).toEqual([true, false, true])
  })
})

describe('bundle', () => {
  const d = (id: string, userId: string, channel: string, address: string, dueAt: number, seq?: number) => ({
    id,
    userId,
    channel,
    address,
    dueAt,
    ...(seq === undefined ? {} : { seq }),
  })

  it('groups by user, channel and address, oldest first, named by the first delivery', () => {
    const out = bundle([
      d('c', 'u1', 'email', 'a@x', 3),
      d('a', 'u1', 'email', 'a@x', 1),
      d('b', 'u1', 'sms', '+1', 2),
      d('e', 'u2', 'email', 'b@x', 0),
      d('f', 'u1', 'email', 'other@x', 5),
    ])
    expect(out.map((b) => [b.id, b.deliveries.map((x) => x.id)])).toEqual([
      ['e', ['e']],
      ['a', ['a', 'c']],
      ['b', ['b']],
      ['f', ['f']],
    ])
  })

  it('orders ties by seq and splits past the maximum size', () => {
    const many = [5, 3, 1, 4, 2].map((n) => d(`id${n}`, 'u', 'email', 'a@x', 0, n))
    const out = bundle(many, 2)
    expect(out.map((b) => b.deliveries.map((x) => x.seq))).toEqual([[1, 2], [3, 4], [5]])
  })
})
