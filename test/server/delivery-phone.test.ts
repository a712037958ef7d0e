import type { IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { buildChannels } from '../../server/delivery/channels'
import { resolveDeliveryConfig } from '../../server/delivery/config'
import { DeliveryEngine } from '../../server/delivery/engine'
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
const SID = 'AC0123456789abcdef'
const TOKEN = 'twilio-test-token'
const FROM = '+15005550006'
const INVALID = '+15005550001'
const THROTTLED = '+15005550009'

interface Hit {
  method: string
  path: string
  headers: IncomingHttpHeaders
  form: URLSearchParams
}

/** A Twilio-style REST endpoint on loopback: answers like Twilio (201 + sid, 400 + error code). */
async function twilio(): Promise<{ base: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = []
  let throttled = 0
  const rx = await loopbackReceiver((r, res) => {
    const form = new URLSearchParams(r.body)
    hits.push({ method: r.method, path: r.path, headers: r.headers, form })
    const json = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    const expected = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`
    if (r.headers.authorization !== expected) return json(401, { code: 20003, message: 'Authenticate' })
    const to = form.get('To')
    if (to === INVALID)
      return json(400, {
        code: 21211,
        message: "The 'To' number is not a valid phone number.",
        status: 400,
      })
    if (to === THROTTLED && throttled++ === 0) return json(429, { code: 20429, message: 'Too Many Requests' })
    const kind = r.path.endsWith('/Calls.json') ? 'CA' : 'SM'
    json(201, { sid: `${kind}${hits.length.toString().padStart(32, '0')}`, status: 'queued' })
  })
  return { ...rx, hits }
}

describe.each(kinds)('SMS and voice delivery on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  let srv: TestServer
  let tw: Awaited<ReturnType<typeof twilio>>

  beforeAll(async () => {
    tw = await twilio()
    srv = await deliveryServer(name, clock, {
      twilioUrl: tw.base,
      twilioSid: SID,
      twilioToken: TOKEN,
      twilioFrom: FROM,
    })
  })
  afterAll(async () => {
    await srv?.close()
    await tw?.close()
  })

  it('sends an SMS and places a call through the Twilio-style API', async () => {
    const phone = '+4930123456'
    const u = await userWith(srv, 'carol@example.test', {
      contacts: [
        { method: 'sms', to: phone },
        { method: 'voice', to: phone },
      ],
      rules: [
        alertRule([
          ['sms', phone, 0],
          ['voice', phone, 5],
        ]),
      ],
    })
    const alert = await createAlert(srv, { message: 'Primary DB down', priority: 'P1' })
    await notify(srv, alert, u)
    await srv.ctx.delivery.runOnce()
    const sms = tw.hits.find((h) => h.path.endsWith('/Messages.json') && h.form.get('To') === phone)
    expect(sms?.method).toBe('POST')
    expect(sms?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`)
    expect(sms?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(sms?.form.get('From')).toBe(FROM)
    expect(sms?.form.get('Body')).toBe(`Vigil: [P1] #${alert.tiny_id} Primary DB down`)
    expect(tw.hits.some((h) => h.path.endsWith('/Calls.json'))).toBe(false)

    clock.advance(5 * 60_000)
    await srv.ctx.delivery.runOnce()
    const call = tw.hits.find((h) => h.path.endsWith('/Calls.json'))
    expect(call?.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`)
    expect(call?.form.get('To')).toBe(phone)
    expect(call?.form.get('Twiml')).toBe(
      `<Response><Say>This is Vigil. [P1] #${alert.tiny_id} Primary DB down. Escalation step 1 of the default policy</Say></Response>`,
    )
    const rows = await deliveriesOf(srv, alert.id)
    expect(rows.map((r) => [r.channel, r.state])).toEqual([
      ['sms', 'sent'],
      ['voice', 'sent'],
    ])
    expect(rows[0]?.provider_response).toMatch(/^SM0+\d+$/)
    expect(await deliveryLog(srv, alert.id)).toEqual([
      `Sent SMS to ${phone} (attempt 1)`,
      `Sent voice call to ${phone} (attempt 1)`,
    ])
  })

  it('fails an invalid number for good (21211) and retries a throttled one (20429)', async () => {
    const u = await userWith(srv, 'dave@example.test', {
      contacts: [
        { method: 'sms', to: INVALID },
        { method: 'sms', to: THROTTLED },
      ],
      rules: [
        alertRule([
          ['sms', INVALID, 0],
          ['sms', THROTTLED, 0],
        ]),
      ],
    })
    const alert = await createAlert(srv, { message: 'Fan failure', priority: 'P2' })
    await notify(srv, alert, u)
    await srv.ctx.delivery.runOnce()
    clock.advance(31_000)
    await srv.ctx.delivery.runOnce()
    const rows = await deliveriesOf(srv, alert.id)
    const of = (to: string) => rows.find((r) => r.address === to)
    expect(of(INVALID)?.state).toBe('failed')
    expect(of(INVALID)?.attempts).toBe(1)
    expect(of(THROTTLED)?.state).toBe('sent')
    expect(of(THROTTLED)?.attempts).toBe(2)
    const log = await deliveryLog(srv, alert.id)
    expect(log).toContain(
      `SMS to ${INVALID} failed (attempt 1): 21211 The 'To' number is not a valid phone number.`,
    )
    expect(
      log.some((l) =>
        l.startsWith(`SMS to ${THROTTLED} failed (attempt 1): 20429 Too Many Requests; retrying`),
      ),
    ).toBe(true)
  })

  it('marks SMS undeliverable, with the reason on the alert, when no provider is configured', async () => {
    const phone = '+4930999999'
    const u = await userWith(srv, 'erin@example.test', {
      contacts: [{ method: 'sms', to: phone }],
      rules: [alertRule([['sms', phone, 0]])],
    })
    const config = resolveDeliveryConfig({ pollMs: 0 })
    const bare = new DeliveryEngine({
      ...srv.ctx,
      config,
      channels: buildChannels(config, undefined, clock).channels,
    })
    const alert = await createAlert(srv, { message: 'No provider', priority: 'P3' })
    await notify(srv, alert, u)
    await bare.runOnce()
    clock.advance(3600_000)
    await bare.runOnce()
    const [d] = await deliveriesOf(srv, alert.id)
    expect(d?.state).toBe('undeliverable')
    expect(d?.attempts).toBe(1)
    expect(await deliveryLog(srv, alert.id)).toEqual([
      `SMS to ${phone} undeliverable: SMS and voice are not configured (set VIGIL_TWILIO_SID, VIGIL_TWILIO_TOKEN and VIGIL_TWILIO_FROM)`,
    ])
  })
})
