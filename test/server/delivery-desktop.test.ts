import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import { ManualClock } from '../../core/time/clock'
import type { DesktopGateway, DesktopMessage } from '../../server/channels/desktop'
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
const RECEIPT_MS = 400

/**
 * A tiny real Socket.IO gateway whose apps connect with `auth: {userId}`, join the user's room and
 * acknowledge `vigil:notify` (first receipt wins): it lets these tests pin down delivery's own rules
 * without sessions. The app's gateway over signed-in sockets is covered by desktop-e2e.test.ts.
 */
async function socketGateway(): Promise<{ gateway: DesktopGateway; url: string; close(): Promise<void> }> {
  const http: HttpServer = createServer()
  const io = new Server(http)
  io.on('connection', (socket) => {
    const userId = String((socket.handshake.auth as { userId?: string }).userId ?? '')
    void socket.join(`user:${userId}`)
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const gateway: DesktopGateway = {
    async deliver(userId, message, timeoutMs) {
      const sockets = await io.in(`user:${userId}`).fetchSockets()
      if (sockets.length === 0) return 'no-client'
      try {
        await Promise.any(sockets.map((s) => s.timeout(timeoutMs).emitWithAck(SYNC_EVENTS.notify, message)))
        return 'received'
      } catch {
        return 'timeout'
      }
    },
  }
  return {
    gateway,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => io.close(() => r())),
  }
}

/** A desktop app for a user: records what it got and acknowledges it unless told not to. */
async function app(
  url: string,
  userId: string,
  ack: boolean,
): Promise<{ got: DesktopMessage[]; socket: Socket }> {
  const got: DesktopMessage[] = []
  const socket = connect(url, { auth: { userId }, transports: ['websocket'], forceNew: true })
  socket.on(SYNC_EVENTS.notify, (m: DesktopMessage, reply?: (r: unknown) => void) => {
    got.push(m)
    if (ack) reply?.({ ok: true })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return { got, socket }
}

/** A local webhook receiver: the "next step" after the desktop one. */
async function hookReceiver(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = []
  const rx = await loopbackReceiver((r, res) => {
    hits.push(r.path)
    res.writeHead(204).end()
  })
  return { url: `${rx.base}/next`, hits, close: rx.close }
}

describe.each(kinds)('desktop delivery on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  let srv: TestServer
  let gw: Awaited<ReturnType<typeof socketGateway>>
  let hook: Awaited<ReturnType<typeof hookReceiver>>
  let engine: DeliveryEngine
  const sockets: Socket[] = []

  beforeAll(async () => {
    gw = await socketGateway()
    hook = await hookReceiver()
    srv = await deliveryServer(name, clock)
    // The engine as app.ts builds it, with the gateway injected (AppDeps.desktop).
    const config = resolveDeliveryConfig({
      webhookAllowPrivate: true,
      pollMs: 0,
      desktopReceiptMs: RECEIPT_MS,
    })
    engine = new DeliveryEngine({
      ...srv.ctx,
      config,
      channels: buildChannels(config, gw.gateway, clock).channels,
    })
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await srv?.close()
    await gw?.close()
    await hook?.close()
  })

  it('counts an acknowledged vigil:notify as sent', async () => {
    const u = await userWith(srv, 'desk@example.test', {
      rules: [alertRule([['desktop', 'desk@example.test', 0]])],
    })
    const a = await app(gw.url, u, true)
    sockets.push(a.socket)
    const alert = await createAlert(srv, { message: 'Web tier 500s', priority: 'P2' })
    await notify(srv, alert, u)
    await engine.runOnce()
    const [d] = await deliveriesOf(srv, alert.id)
    expect(d?.state).toBe('sent')
    expect(d?.provider_response).toBe('received')
    expect(a.got).toHaveLength(1)
    expect(a.got[0]?.deliveryId).toBe(d?.id)
    expect(a.got[0]?.notifications[0]?.title).toBe(`[P2] #${alert.tiny_id} Web tier 500s`)
    expect(await deliveryLog(srv, alert.id)).toEqual([
      'Sent desktop notification to desk@example.test (attempt 1)',
    ])
  })

  it('with no app connected, marks the desktop step not delivered and the next step still goes out', async () => {
    const u = await userWith(srv, 'away@example.test', {
      contacts: [{ method: 'webhook', to: hook.url }],
      rules: [
        alertRule([
          ['desktop', 'away@example.test', 0],
          ['webhook', hook.url, 1],
        ]),
      ],
    })
    const alert = await createAlert(srv, { message: 'Nobody at the desk', priority: 'P1' })
    await notify(srv, alert, u)
    await engine.runOnce()
    let rows = await deliveriesOf(srv, alert.id)
    expect(rows.map((r) => [r.channel, r.state, r.last_error])).toEqual([
      ['desktop', 'failed', 'no desktop app connected'],
      ['webhook', 'pending', null],
    ])
    clock.advance(60_000)
    await engine.runOnce()
    rows = await deliveriesOf(srv, alert.id)
    expect(rows.map((r) => r.state)).toEqual(['failed', 'sent'])
    expect(hook.hits).toEqual(['/next'])
    expect(await deliveryLog(srv, alert.id)).toEqual([
      'Desktop notification to away@example.test failed (attempt 1): no desktop app connected',
      `Sent webhook to ${hook.url} (attempt 1)`,
    ])
  })

  it('counts a message without a receipt within the receipt time as not delivered', async () => {
    const u = await userWith(srv, 'mute@example.test', {
      rules: [alertRule([['desktop', 'mute@example.test', 0]])],
    })
    const a = await app(gw.url, u, false)
    sockets.push(a.socket)
    const alert = await createAlert(srv, { message: 'Silent app', priority: 'P3' })
    await notify(srv, alert, u)
    await engine.runOnce()
    expect(a.got).toHaveLength(1)
    const [d] = await deliveriesOf(srv, alert.id)
    expect(d?.state).toBe('failed')
    expect(d?.last_error).toBe(`no receipt within ${RECEIPT_MS} ms`)
    expect(d?.provider_response).toBe('timeout')
  })
})
