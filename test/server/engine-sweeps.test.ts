import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { housekeep } from '../../server/engine/housekeeping'
import { wakeSnoozedAlerts } from '../../server/engine/snooze-sweeper'
import { client } from '../support/http'
import { startTestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('time-driven sweeps on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 12, 0, 0))
  let srv: Awaited<ReturnType<typeof startTestServer>>
  let api: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    api = client(srv.url, `GenieKey ${srv.apiKey}`)
  })
  afterAll(async () => srv?.close())

  it('wakes a snoozed alert once its endTime has passed, and logs it', async () => {
    const r = await api<Json>('POST', '/v2/alerts', { message: 'sleepy', alias: 'snooze-wake' })
    const id = (await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)).body.data.alertId
    const end = new Date(clock.now() + 30 * 60_000).toISOString()
    await api('POST', `/v2/alerts/${id}/snooze`, { endTime: end })
    expect(await wakeSnoozedAlerts(srv.ctx.store, srv.ctx.writer, clock)).toBe(0)
    expect((await api<Json>('GET', `/v2/alerts/${id}`)).body.data.snoozed).toBe(true)
    clock.advance(31 * 60_000)
    expect(await wakeSnoozedAlerts(srv.ctx.store, srv.ctx.writer, clock)).toBe(1)
    expect((await api<Json>('GET', `/v2/alerts/${id}`)).body.data.snoozed).toBe(false)
    const logs = (await api<Json>('GET', `/v2/alerts/${id}/logs`)).body.data.map((l: Json) => l.log)
    expect(logs).toContain('Snooze ended')
    expect(await wakeSnoozedAlerts(srv.ctx.store, srv.ctx.writer, clock)).toBe(0)
  })

  it('forgets request statuses after their retention, and nothing younger', async () => {
    const old = await api<Json>('POST', '/v2/alerts', { message: 'old request' })
    clock.advance(47 * 3600_000)
    const young = await api<Json>('POST', '/v2/alerts', { message: 'young request' })
    clock.advance(2 * 3600_000)
    const deleted = await housekeep(srv.ctx.store, clock, { requestStatusMs: 48 * 3600_000 })
    expect(deleted.requests).toBeGreaterThanOrEqual(1)
    const gone = await api<Json>('GET', `/v2/alerts/requests/${old.body.requestId}`)
    expect(gone.status).toBe(404)
    expect((await api<Json>('GET', `/v2/alerts/requests/${young.body.requestId}`)).status).toBe(200)
  })
})
