import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import type { TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import {
  alertRule,
  createAlert,
  deliveriesOf,
  deliveryLog,
  deliveryServer,
  notify,
  ownerApi,
  userWith,
} from './delivery-helpers'

const kinds = await storeKinds()
const MIN = 60_000

interface Received {
  from: string
  to: string[]
  raw: string
}

/** Undoes quoted-printable soft breaks and escapes, enough to read what nodemailer wrote. */
const unQp = (s: string): string =>
  s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))

/** A real SMTP server on loopback: records what arrives; some recipients answer 451 (once) or 550. */
async function smtpServer(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = []
  const flakyFailures = new Map<string, number>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address
      if (to.startsWith('nobody@')) {
        return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }))
      }
      if (to.startsWith('flaky@') && (flakyFailures.get(to) ?? 0) < 1) {
        flakyFailures.set(to, (flakyFailures.get(to) ?? 0) + 1)
        return callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }))
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe.each(kinds)('e-mail delivery on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  let srv: TestServer
  let smtp: Awaited<ReturnType<typeof smtpServer>>

  beforeAll(async () => {
    smtp = await smtpServer()
    srv = await deliveryServer(name, clock, {
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      smtpFrom: 'Vigil <vigil@example.test>',
    })
  })
  afterAll(async () => {
    await srv?.close()
    await smtp?.close()
  })

  it('expands a notification through the first matching rule into an e-mail that arrives after its delay', async () => {
    const alice = await userWith(srv, 'alice@example.test', {
      contacts: [{ method: 'email', to: 'alice@example.test' }],
      rules: [
        alertRule([['email', 'alice@example.test', 1]], {
          criteria: {
            type: 'match-all-conditions',
            conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
          },
        }),
        // Also matches, but Opsgenie applies only the first matching rule.
        alertRule([['desktop', 'alice@example.test', 0]]),
      ],
    })
    const alert = await createAlert(srv, { message: 'Disk full on db-1', priority: 'P1', tags: ['disk'] })
    await notify(srv, alert, alice)
    await srv.ctx.delivery.runOnce()

    const planned = await deliveriesOf(srv, alert.id)
    expect(planned.map((d) => [d.channel, d.address, d.state, d.due_at])).toEqual([
      ['email', 'alice@example.test', 'pending', clock.now() + MIN],
    ])
    expect(smtp.received).toHaveLength(0)

    clock.advance(MIN)
    await srv.ctx.delivery.runOnce()
    const mail = smtp.received.find((m) => m.to.includes('alice@example.test'))
    expect(mail).toBeDefined()
    const raw = unQp(mail?.raw ?? '')
    expect(raw).toMatch(new RegExp(`^Subject: \\[P1\\] #${alert.tiny_id} Disk full on db-1$`, 'm'))
    expect(raw).toMatch(/^From: Vigil <vigil@example\.test>$/m)
    expect(raw).toContain('Priority: P1')
    expect(raw).toContain('Tags: disk')
    expect(raw).toContain('Content-Type: text/html')
    const [sent] = await deliveriesOf(srv, alert.id)
    expect(sent?.state).toBe('sent')
    expect(sent?.attempts).toBe(1)
    expect(sent?.provider_response).toMatch(/^250/)
    expect(await deliveryLog(srv, alert.id)).toEqual(['Sent email to alice@example.test (attempt 1)'])
  })

  it('retries a temporary SMTP failure (451) with backoff, and logs both attempts on the alert', async () => {
    const bob = await userWith(srv, 'flaky@example.test', {
      contacts: [{ method: 'email', to: 'flaky@example.test' }],
      rules: [alertRule([['email', 'flaky@example.test', 0]])],
    })
    const alert = await createAlert(srv, { message: 'Queue backlog', priority: 'P3' })
    await notify(srv, alert, bob)
    const t0 = clock.now()
    await srv.ctx.delivery.runOnce()

    const [first] = await deliveriesOf(srv, alert.id)
    expect(first?.state).toBe('pending')
    expect(first?.attempts).toBe(1)
    expect(first?.last_error).toMatch(/451/)
    // First retry: 30 s base with equal jitter = between 15 and 30 s later.
    const wait = (first?.next_attempt_at ?? 0) - t0
    expect(wait).toBeGreaterThanOrEqual(15_000)
    expect(wait).toBeLessThanOrEqual(30_000)
    expect(smtp.received.filter((m) => m.to.includes('flaky@example.test'))).toHaveLength(0)

    clock.advance(wait - 1000)
    await srv.ctx.delivery.runOnce()
    expect((await deliveriesOf(srv, alert.id))[0]?.attempts).toBe(1)

    clock.advance(1000)
    await srv.ctx.delivery.runOnce()
    const [done] = await deliveriesOf(srv, alert.id)
    expect(done?.state).toBe('sent')
    expect(done?.attempts).toBe(2)
    expect(smtp.received.filter((m) => m.to.includes('flaky@example.test'))).toHaveLength(1)
    const log = await deliveryLog(srv, alert.id)
    expect(log).toHaveLength(2)
    expect(log[0]).toMatch(/^Email to flaky@example\.test failed \(attempt 1\): .*451.*; retrying in \d+ s$/)
    expect(log[1]).toBe('Sent email to flaky@example.test (attempt 2)')
  })

  it('fails a permanent SMTP failure (550) at once and never retries it', async () => {
    const nobody = await userWith(srv, 'nobody@example.test', {
      contacts: [{ method: 'email', to: 'nobody@example.test' }],
      rules: [alertRule([['email', 'nobody@example.test', 0]])],
    })
    const alert = await createAlert(srv, { message: 'Bounce me', priority: 'P3' })
    await notify(srv, alert, nobody)
    await srv.ctx.delivery.runOnce()
    clock.advance(3 * 3600_000)
    await srv.ctx.delivery.runOnce()
    const [d] = await deliveriesOf(srv, alert.id)
    expect(d?.state).toBe('failed')
    expect(d?.attempts).toBe(1)
    const log = await deliveryLog(srv, alert.id)
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/^Email to nobody@example\.test failed \(attempt 1\): .*550/)
  })

  it('end to end: an alert paging a user through the escalation engine reaches their inbox', async () => {
    // Made through /v2/users: the default rules (desktop at once, e-mail after a minute for P1 and P2).
    const res = await ownerApi(srv)<Record<string, any>>('POST', '/v2/users', {
      username: 'e2e@example.test',
      fullName: 'End To End',
      role: { name: 'User' },
    })
    expect(res.status).toBe(201)
    const alert = await createAlert(srv, {
      message: 'Checkout is failing',
      priority: 'P1',
      responders: [{ type: 'user', username: 'e2e@example.test' }],
    })
    await srv.ctx.escalation.tick()
    await srv.ctx.delivery.runOnce()
    expect(smtp.received.filter((m) => m.to.includes('e2e@example.test'))).toHaveLength(0)
    clock.advance(MIN)
    await srv.ctx.escalation.tick()
    await srv.ctx.delivery.runOnce()
    const mail = smtp.received.find((m) => m.to.includes('e2e@example.test'))
    expect(unQp(mail?.raw ?? '')).toContain('Checkout is failing')
    const rows = await deliveriesOf(srv, alert.id)
    expect(rows.map((r) => [r.channel, r.state])).toEqual([
      ['desktop', 'failed'],
      ['email', 'sent'],
    ])
    expect(await deliveryLog(srv, alert.id)).toEqual([
      'Desktop notification to e2e@example.test failed (attempt 1): no desktop app connected',
      'Sent email to e2e@example.test (attempt 1)',
    ])
  })
})
