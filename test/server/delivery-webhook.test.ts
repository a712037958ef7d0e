import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import type { DeliveryConfig } from '../../server/delivery/config'
import type { TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import {
  alertRule,
  createAlert,
  deliveriesOf,
  deliveryLog,
  deliveryServer,
  loopbackReceiver,
  notify,
  userWith,
} from './delivery-helpers'

const kinds = await storeKinds()
const SECRET = 'webhook-test-secret-0123456789'

interface Hit {
  path: string
  headers: IncomingHttpHeaders
  raw: string
}

/** A real HTTP receiver on loopback; `/busy` answers 503 the first time, `/gone` 404 always. */
async function receiver(): Promise<{ base: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = []
  let busy = 0
  const rx = await loopbackReceiver(({ path, headers, body }, res) => {
    hits.push({ path, headers, raw: body })
    if (path.startsWith('/busy') && busy++ === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded')
      return
    }
    if (path.startsWith('/gone')) {
      res.writeHead(404).end('no such hook')
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  return { ...rx, hits }
}

/** What a receiver does to check a Vigil signature. */
function validSignature(h: Hit): boolean {
  const ts = String(h.headers['x-vigil-timestamp'] ?? '')
  const sig = String(h.headers['x-vigil-signature'] ?? '')
  const want = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${h.raw}`).digest('hex')}`
  return sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want))
}

/** A loopback receiver and a delivery server for one suite, started before its tests and stopped after. */
function useWebhookSuite(name: 'sqlite' | 'postgres', clock: ManualClock, delivery: Partial<DeliveryConfig>) {
  const suite = {} as { srv: TestServer; rx: Awaited<ReturnType<typeof receiver>> }
  beforeAll(async () => {
    suite.rx = await receiver()
    suite.srv = await deliveryServer(name, clock, delivery)
  })
  afterAll(async () => {
    await suite.srv?.close()
    await suite.rx?.close()
  })
  return suite
}

describe.each(kinds)('webhook delivery on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  const suite = useWebhookSuite(name, clock, { webhookSecret: SECRET })

  it('posts a Slack-compatible body to a Slack-style hook, unsigned', async () => {
    const url = `${suite.rx.base}/slack/T000/B000?format=slack`
    const u = await userWith(suite.srv, 'slacker@example.test', {
      contacts: [{ method: 'webhook', to: url }],
      rules: [alertRule([['webhook', url, 0]])],
    })
    const alert = await createAlert(suite.srv, { message: 'API latency high', priority: 'P2', tags: ['api'] })
    await notify(suite.srv, alert, u)
    await suite.srv.ctx.delivery.runOnce()
    const hit = suite.rx.hits.find((h) => h.path.startsWith('/slack'))
    expect(hit?.headers['content-type']).toBe('application/json')
    expect(hit?.headers['x-vigil-signature']).toBeUndefined()
    const body = JSON.parse(hit?.raw ?? '{}')
    expect(body.text).toBe(`[P2] #${alert.tiny_id} API latency high`)
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: body.text } })
    expect(body.blocks[1].type).toBe('section')
    expect(body.blocks[1].text.text).toContain('Tags: api')
    expect((await deliveriesOf(suite.srv, alert.id))[0]?.state).toBe('sent')
    expect(await deliveryLog(suite.srv, alert.id)).toEqual([`Sent webhook to ${url} (attempt 1)`])
  })

  it('signs the generic JSON body with HMAC-SHA256 over the timestamp and raw body', async () => {
    const url = `${suite.rx.base}/generic/hook`
    const u = await userWith(suite.srv, 'generic@example.test', {
      contacts: [{ method: 'webhook', to: url }],
      rules: [alertRule([['webhook', url, 0]])],
    })
    const alert = await createAlert(suite.srv, { message: 'Cert expires soon', priority: 'P4' })
    await notify(suite.srv, alert, u)
    await suite.srv.ctx.delivery.runOnce()
    const hit = suite.rx.hits.find((h) => h.path === '/generic/hook')
    expect(hit).toBeDefined()
    expect(hit?.headers['x-vigil-timestamp']).toBe(String(clock.now()))
    expect(validSignature(hit as Hit)).toBe(true)
    expect(validSignature({ ...(hit as Hit), raw: `${hit?.raw} ` })).toBe(false)
    const body = JSON.parse(hit?.raw ?? '{}')
    expect(body.type).toBe('vigil.notification')
    expect(body.notifications).toHaveLength(1)
    expect(body.notifications[0].alert.id).toBe(alert.id)
    const [d] = await deliveriesOf(suite.srv, alert.id)
    expect(body.deliveryId).toBe(d?.id)
    expect(hit?.headers['x-vigil-delivery']).toBe(d?.id)
  })

  it('retries a 503 with backoff, and fails a 404 for good', async () => {
    const busy = `${suite.rx.base}/busy`
    const gone = `${suite.rx.base}/gone`
    const u = await userWith(suite.srv, 'hooks@example.test', {
      contacts: [
        { method: 'webhook', to: busy },
        { method: 'webhook', to: gone },
      ],
      rules: [
        alertRule([
          ['webhook', busy, 0],
          ['webhook', gone, 0],
        ]),
      ],
    })
    const alert = await createAlert(suite.srv, { message: 'Flapping', priority: 'P3' })
    await notify(suite.srv, alert, u)
    await suite.srv.ctx.delivery.runOnce()
    let rows = await deliveriesOf(suite.srv, alert.id)
    const byAddr = (addr: string) => rows.find((r) => r.address === addr)
    expect(byAddr(busy)?.state).toBe('pending')
    expect(byAddr(busy)?.provider_response).toBe('503 overloaded')
    expect(byAddr(gone)?.state).toBe('failed')
    clock.advance(31_000)
    await suite.srv.ctx.delivery.runOnce()
    rows = await deliveriesOf(suite.srv, alert.id)
    expect(byAddr(busy)?.state).toBe('sent')
    expect(byAddr(busy)?.attempts).toBe(2)
    expect(byAddr(gone)?.attempts).toBe(1)
    expect(suite.rx.hits.filter((h) => h.path === '/gone')).toHaveLength(1)
    const log = await deliveryLog(suite.srv, alert.id)
    expect(log).toContain(`Webhook to ${gone} failed (attempt 1): HTTP 404: no such hook`)
    expect(
      log.some((l) =>
        l.startsWith(`Webhook to ${busy} failed (attempt 1): HTTP 503: overloaded; retrying in`),
      ),
    ).toBe(true)
    expect(log).toContain(`Sent webhook to ${busy} (attempt 2)`)
  })
})

describe.each(kinds)('webhook destinations on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  const suite = useWebhookSuite(name, clock, { webhookAllowPrivate: false })

  it("refuses a user's webhook to a loopback address for good, unless the operator allows it", async () => {
    const url = `${suite.rx.base}/internal/admin`
    const localhost = url.replace('127.0.0.1', 'localhost')
    const u = await userWith(suite.srv, 'ssrf@example.test', {
      contacts: [
        { method: 'webhook', to: url },
        { method: 'webhook', to: localhost },
      ],
      rules: [
        alertRule([
          ['webhook', url, 0],
          ['webhook', localhost, 0],
        ]),
      ],
    })
    const alert = await createAlert(suite.srv, { message: 'Probe the internal network', priority: 'P3' })
    await notify(suite.srv, alert, u)
    await suite.srv.ctx.delivery.runOnce()
    expect(suite.rx.hits).toHaveLength(0)
    const rows = await deliveriesOf(suite.srv, alert.id)
    expect(rows.map((r) => r.state)).toEqual(['failed', 'failed'])
    const log = await deliveryLog(suite.srv, alert.id)
    expect(log).toContain(
      `Webhook to ${url} failed (attempt 1): refused: 127.0.0.1 is not a public address ` +
        '(VIGIL_WEBHOOK_ALLOW_PRIVATE=true allows it)',
    )
    const refusedLocal = log.find((l) =>
      l.startsWith(`Webhook to ${localhost} failed (attempt 1): refused: localhost resolves to `),
    )
    expect(refusedLocal, log.join('\n')).toMatch(/resolves to (127\.0\.0\.1|::1), not a public address/)
  })
})
