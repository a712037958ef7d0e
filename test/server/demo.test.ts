import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../../server/demo'
import { call } from '../support/http'
import { startTestServer } from '../support/server'

describe('demo data', () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  beforeAll(async () => {
    srv = await startTestServer({ kind: 'sqlite' })
  })
  afterAll(async () => srv?.close())

  it('seeds an empty store once, with open, acknowledged and closed alerts', async () => {
    expect(await seedDemo(srv.ctx, srv.teamId)).toBe(10)
    expect(await seedDemo(srv.ctx, srv.teamId)).toBe(0)
    const auth = `GenieKey ${srv.apiKey}`
    const count = async (q: string) =>
      (
        await call<{ data: { count: number } }>(
          srv.url,
          'GET',
          `/v2/alerts/count?query=${encodeURIComponent(q)}`,
          { auth },
        )
      ).body.data.count
    expect(await count('')).toBe(10)
    expect(await count('status:closed')).toBe(2)
    expect(await count('acknowledged:true')).toBe(2)
  })
})
