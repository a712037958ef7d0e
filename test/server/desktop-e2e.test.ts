import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NotificationPayload } from '../../core/model/notification'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import { ManualClock } from '../../core/time/clock'
import type { DesktopMessage } from '../../server/channels/desktop'
import { resolveDeliveryConfig } from '../../server/delivery/config'
import { client } from '../support/http'
import { login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

/*
 * The whole desktop path with nothing stood in: an alert over the Alert API, routed and escalated by the
 * engine, expanded through the user's default notification rules, sent through the app's own Socket.IO
 * gateway to a desktop app signed in with the user's session, acknowledged by the app, recorded as sent.
 */

const kinds = await storeKinds()
const PASSWORD = 'a long enough password 1'
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0)

type Json = Record<string, any>

/** A desktop app: the session's socket, what it received, and whether it acknowledges. */
async function desktopApp(url: string, token: string, acknowledge: boolean) {
  const received: DesktopMessage[] = []
  const socket: Socket = io(url, {
    transports: ['websocket'],
    auth: { token },
    forceNew: true,
    reconnection: false,
  })
  socket.on(SYNC_EVENTS.notify, (message: DesktopMessage, ack?: (receipt: unknown) => void) => {
    received.push(message)
    if (acknowledge) ack?.({ ok: true })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return { socket, received }
}

describe.each(kinds)('desktop notifications end to end on $name', ({ name }) => {
  let srv: TestServer
  const clock = new ManualClock(T0)

  beforeAll(async () => {
    srv = await startTestServer({
      kind: name,
      clock,
      config: {
        escalationIntervalMs: 0,
        delivery: resolveDeliveryConfig({ pollMs: 0, desktopReceiptMs: 2000 }),
      },
    })
  })
  afterAll(async () => {
    await srv?.close()
  })

  /** A user made through the admin API (so with the default rules: desktop at once) and signed in. */
  async function signedIn(username: string): Promise<string> {
    const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    const r = await owner<Json>('POST', '/api/v1/users', {
      username,
      fullName: username,
      role: 'user',
      password: PASSWORD,
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return login(srv.url, username, PASSWORD)
  }

  async function page(username: string, message: string) {
    const api = client(srv.url, `GenieKey ${srv.apiKey}`)
    const r = await api<Json>('POST', '/v2/alerts', {
      message,
      priority: 'P3',
      responders: [{ type: 'user', username }],
    })
    expect(r.status).toBe(202)
    const st = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
    const alertId = st.body.data.alertId as string
    await srv.ctx.escalation.tick()
    await srv.ctx.delivery.runOnce()
    return alertId
  }

  async function desktopRows(alertId: string) {
    return srv.ctx.store.db
      .selectFrom('deliveries')
      .select(['channel', 'state', 'user_id'])
      .where('alert_id', '=', alertId)
      .where('channel', '=', 'desktop')
      .execute()
  }

  it('reaches the signed-in app over the app socket and records the receipt', async () => {
    const token = await signedIn('desk@e2e.test')
    const app = await desktopApp(srv.url, token, true)
    try {
      const alertId = await page('desk@e2e.test', 'Disk full on db-1')
      expect(app.received).toHaveLength(1)
      const [n] = app.received[0]?.notifications ?? ([] as NotificationPayload[])
      expect(n?.actionType).toBe('create-alert')
      expect(n?.alert?.id).toBe(alertId)
      expect(n?.title).toContain('Disk full on db-1')
      expect((await desktopRows(alertId)).map((d) => d.state)).toEqual(['sent'])
    } finally {
      app.socket.close()
    }
  })

  it('counts an app that never acknowledges as not delivered', async () => {
    const token = await signedIn('silent@e2e.test')
    const app = await desktopApp(srv.url, token, false)
    try {
      const alertId = await page('silent@e2e.test', 'Queue backlog growing')
      expect(app.received).toHaveLength(1)
      const states = (await desktopRows(alertId)).map((d) => d.state)
      expect(states).toHaveLength(1)
      expect(states[0]).not.toBe('sent')
    } finally {
      app.socket.close()
    }
  })

  it('does not deliver one user’s notification to another user’s app', async () => {
    await signedIn('target@e2e.test')
    const other = await desktopApp(srv.url, await signedIn('bystander@e2e.test'), true)
    try {
      const alertId = await page('target@e2e.test', 'Payment errors')
      expect(other.received).toHaveLength(0)
      expect((await desktopRows(alertId)).map((d) => d.state)).not.toContain('sent')
    } finally {
      other.socket.close()
    }
  })
})
