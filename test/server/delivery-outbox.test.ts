import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { buildChannels } from '../../server/delivery/channels'
import { claimDue } from '../../server/delivery/claim'
import { resolveDeliveryConfig } from '../../server/delivery/config'
import { DeliveryEngine } from '../../server/delivery/engine'
import { client } from '../support/http'
import type { TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import {
  alertRule,
  createAlert,
  deliveriesOf,
  deliveryLog,
  deliveryServer,
  httpReceiver,
  notify,
  userWith,
} from './delivery-helpers'

const kinds = await storeKinds()
const MIN = 60_000

describe.each(kinds)('the delivery outbox on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  let srv: TestServer
  let rx: Awaited<ReturnType<typeof httpReceiver>>
  /** A webhook user with one rule; returns the user id and the hook URL. */
  const hookUser = async (username: string, steps: Array<[string, number]>, extra = {}) => {
    const urls = steps.map(([path]) => `${rx.base}/${path}`)
    const id = await userWith(srv, username, {
      contacts: [...new Set(urls)].map((to) => ({ method: 'webhook', to })),
      rules: [
        alertRule(
          steps.map(([path, after]) => ['webhook', `${rx.base}/${path}`, after]),
          extra,
        ),
      ],
    })
    return { id, urls }
  }
  const hitsOn = (path: string) => rx.hits.filter((h) => h.path === `/${path}`)

  beforeAll(async () => {
    rx = await httpReceiver()
    srv = await deliveryServer(name, clock, { webhookSecret: 'outbox-secret' })
  })
  afterAll(async () => {
    await srv?.close()
    await rx?.close()
  })

  it('bundles several due deliveries for one person and address into one message', async () => {
    const { id, urls } = await hookUser('bundle@example.test', [['bundle', 0]])
    const alerts = []
    for (const m of ['CPU high on web-1', 'CPU high on web-2', 'CPU high on web-3']) {
      const a = await createAlert(srv, { message: m, priority: 'P3' })
      await notify(srv, a, id)
      alerts.push(a)
    }
    await srv.ctx.delivery.runOnce()
    const hits = hitsOn('bundle')
    expect(hits).toHaveLength(1)
    expect(hits[0]?.body.notifications).toHaveLength(3)
    expect(hits[0]?.body.summary).toBe(
      `3 alerts: ${alerts.map((a) => `[P3] #${a.tiny_id} ${a.message}`).join('; ')}`,
    )
    const rows = (await Promise.all(alerts.map((a) => deliveriesOf(srv, a.id)))).flat()
    expect(new Set(rows.map((r) => r.bundle_id)).size).toBe(1)
    expect(rows.every((r) => r.state === 'sent')).toBe(true)
    for (const a of alerts) {
      expect(await deliveryLog(srv, a.id)).toEqual([
        `Sent webhook to ${urls[0]} (attempt 1, one message with 2 more)`,
      ])
    }
  })

  it('holds messages over the per-user limit back and sends them bundled when the window moves', async () => {
    const config = resolveDeliveryConfig({
      webhookAllowPrivate: true,
      pollMs: 0,
      webhookSecret: 'outbox-secret',
      rateLimits: { windowMs: MIN, perUser: 2, perChannel: { webhook: 100 } },
    })
    const limited = new DeliveryEngine({
      ...srv.ctx,
      config,
      channels: buildChannels(config, undefined, clock).channels,
    })
    const { id } = await hookUser('limited@example.test', [['limited', 0]])
    const send = async (message: string) => {
      const a = await createAlert(srv, { message, priority: 'P3' })
      await notify(srv, a, id)
      return a
    }
    await send('first')
    await limited.runOnce()
    clock.advance(1000)
    await send('second')
    await limited.runOnce()
    expect(hitsOn('limited')).toHaveLength(2)
    clock.advance(1000)
    const third = await send('third')
    const fourth = await send('fourth')
    await limited.runOnce()
    expect(hitsOn('limited')).toHaveLength(2)
    const held = await deliveriesOf(srv, third.id)
    expect(held[0]?.state).toBe('pending')
    expect(held[0]?.last_error).toBe('held back by rate limit')
    clock.advance(MIN)
    await limited.runOnce()
    const hits = hitsOn('limited')
    expect(hits).toHaveLength(3)
    expect(hits[2]?.body.notifications.map((n: { alert: { message: string } }) => n.alert.message)).toEqual([
      'third',
      'fourth',
    ])
    expect((await deliveriesOf(srv, fourth.id))[0]?.state).toBe('sent')
  })

  it('applies the per-channel limit across users', async () => {
    const config = resolveDeliveryConfig({
      webhookAllowPrivate: true,
      pollMs: 0,
      rateLimits: { windowMs: MIN, perUser: 100, perChannel: { webhook: 1 } },
    })
    clock.advance(10 * MIN)
    const limited = new DeliveryEngine({
      ...srv.ctx,
      config,
      channels: buildChannels(config, undefined, clock).channels,
    })
    const u1 = await hookUser('chan1@example.test', [['chan1', 0]])
    const u2 = await hookUser('chan2@example.test', [['chan2', 0]])
    const a = await createAlert(srv, { message: 'shared', priority: 'P3' })
    await notify(srv, a, u1.id)
    await notify(srv, a, u2.id)
    await limited.runOnce()
    expect(hitsOn('chan1').length + hitsOn('chan2').length).toBe(1)
    clock.advance(MIN)
    await limited.runOnce()
    expect(hitsOn('chan1').length + hitsOn('chan2').length).toBe(2)
  })

  it('cancels pending steps once the alert is acknowledged', async () => {
    const { id, urls } = await hookUser('acker@example.test', [
      ['ack-now', 0],
      ['ack-later', 5],
    ])
    const a = await createAlert(srv, { message: 'Ack me', priority: 'P2' })
    await notify(srv, a, id)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('ack-now')).toHaveLength(1)
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    expect((await key('POST', `/v2/alerts/${a.id}/acknowledge`, { user: 'acker' })).status).toBe(202)
    clock.advance(5 * MIN)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('ack-later')).toHaveLength(0)
    const rows = await deliveriesOf(srv, a.id)
    expect(rows.map((r) => r.state)).toEqual(['sent', 'cancelled'])
    expect(await deliveryLog(srv, a.id)).toEqual([
      `Sent webhook to ${urls[0]} (attempt 1)`,
      `Cancelled webhook to ${urls[1]}: alert acknowledged`,
    ])
  })

  it('repeats the steps every loopAfter minutes until the alert is acknowledged', async () => {
    const { id } = await hookUser('repeat@example.test', [['repeat', 0]], {
      repeat: { loopAfter: 10, enabled: true },
    })
    const a = await createAlert(srv, { message: 'Repeat me', priority: 'P1' })
    await notify(srv, a, id)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('repeat')).toHaveLength(1)
    clock.advance(9 * MIN)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('repeat')).toHaveLength(1)
    clock.advance(MIN)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('repeat')).toHaveLength(2)
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    expect((await key('POST', `/v2/alerts/${a.id}/acknowledge`, {})).status).toBe(202)
    clock.advance(30 * MIN)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('repeat')).toHaveLength(2)
    const rows = await deliveriesOf(srv, a.id)
    expect(rows.map((r) => [r.cycle, r.state])).toEqual([
      [0, 'sent'],
      [1, 'sent'],
      [2, 'cancelled'],
    ])
  })

  it('retries a delivery whose sender died mid-send once its lease expires, and never loses it', async () => {
    const { id, urls } = await hookUser('crash@example.test', [['crash', 0]])
    const a = await createAlert(srv, { message: 'Crash me', priority: 'P2' })
    await notify(srv, a, id)
    while ((await srv.ctx.delivery.expand()) > 0) {}
    // A process claims the delivery and dies before sending or recording anything.
    const config = resolveDeliveryConfig({ webhookAllowPrivate: true, pollMs: 0 })
    const leaseMs = srv.ctx.delivery.leaseMs
    const claimed = await srv.ctx.writer.submit((trx, batch) =>
      claimDue(trx, batch, srv.ctx.store.dialect, {
        now: clock.now(),
        limit: 100,
        leaseMs,
        maxAttempts: config.maxAttempts,
        maxBundle: config.maxBundle,
        rateLimits: config.rateLimits,
        deferMs: 1000,
      }),
    )
    expect(claimed.flatMap((b) => b.deliveries.map((d) => d.alertId))).toContain(a.id)
    expect((await deliveriesOf(srv, a.id))[0]?.state).toBe('sending')
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('crash')).toHaveLength(0)
    clock.advance(leaseMs)
    await srv.ctx.delivery.runOnce()
    expect(hitsOn('crash')).toHaveLength(1)
    const [d] = await deliveriesOf(srv, a.id)
    expect(d?.state).toBe('sent')
    expect(d?.attempts).toBe(2)
    expect(await deliveryLog(srv, a.id)).toEqual([`Sent webhook to ${urls[0]} (attempt 2)`])
  })

  it('logs on the alert when no rule of the user applies', async () => {
    const id = await userWith(srv, 'picky@example.test', {
      rules: [
        alertRule([['desktop', 'picky@example.test', 0]], {
          criteria: {
            type: 'match-all-conditions',
            conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'db' }],
          },
        }),
      ],
    })
    const a = await createAlert(srv, { message: 'Not about a DB', priority: 'P3', tags: ['web'] })
    await notify(srv, a, id)
    await srv.ctx.delivery.runOnce()
    expect(await deliveriesOf(srv, a.id)).toEqual([])
    expect(await deliveryLog(srv, a.id)).toEqual([
      'Not notifying picky@example.test: no create-alert notification rule matches',
    ])
  })
})
