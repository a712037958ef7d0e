import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http'
import { startTestServer } from '../support/server'

describe('per-key rate limit', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  beforeAll(async () => {
    srv = await startTestServer({ kind: 'sqlite', config: { keyRateLimitPerMinute: 5 } })
  })
  afterAll(async () => srv?.close())

  it('answers 429 with Retry-After and X-RateLimit headers once a key is over its limit', async () => {
    const auth = `GenieKey ${srv.apiKey}`
    const statuses: number[] = []
    let last: Awaited<ReturnType<typeof call>> | undefined
    for (let i = 0; i < 7; i++) {
      last = await call(srv.url, 'POST', '/v2/alerts', { auth, body: { message: `rl ${i}` } })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429])
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(last?.headers.get('x-ratelimit-limit')).toBe('5')
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(last?.body).toMatchObject({
      message: expect.stringMatching(/Rate limit/),
      requestId: expect.any(String),
    })
    // Public endpoints are not counted against anyone.
    expect((await call(srv.url, 'GET', '/health')).status).toBe(200)
  })
})
