/** Shared set-up of the delivery suites: users, contacts, rules and alerts through the real API. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { newId } from '../../core/ids/ids'
import type { NotificationActionType, NotificationPayload } from '../../core/model/notification'
import type { ManualClock } from '../../core/time/clock'
import { type DeliveryConfig, resolveDeliveryConfig } from '../../server/delivery/config'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'

type Json = Record<string, any>

/** A test server whose delivery workers do not run on their own: the test drives them with runOnce(). */
export function deliveryServer(
  kind: 'sqlite' | 'postgres',
  clock: ManualClock,
  delivery: Partial<DeliveryConfig> = {},
): Promise<TestServer> {
  return startTestServer({
    kind,
    clock,
    // The suites' webhook receivers listen on loopback, which users' webhooks may not reach by default.
    config: { delivery: resolveDeliveryConfig({ pollMs: 0, webhookAllowPrivate: true, ...delivery }) },
  })
}

/** The owner's API client. */
export const ownerApi = (srv: TestServer) => client(srv.url, `Bearer ${srv.ownerToken}`)

/** A user made through /v2/users, with contacts and rules of the test's choosing (the defaults removed). */
export async function userWith(
  srv: TestServer,
  username: string,
  opts: {
    timeZone?: string
    contacts?: Array<{ method: string; to: string }>
    rules?: Json[]
  },
): Promise<string> {
  const api = ownerApi(srv)
  const u = await api<Json>('POST', '/v2/users', {
    username,
    fullName: username,
    role: { name: 'User' },
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
  })
  expect(u.status, JSON.stringify(u.body)).toBe(201)
  const id = u.body.data.id as string
  await srv.ctx.store.db.deleteFrom('notification_rules').where('user_id', '=', id).execute()
  for (const c of opts.contacts ?? []) {
    const r = await api<Json>('POST', `/v2/users/${id}/contacts`, c)
    expect([201, 409], JSON.stringify(r.body)).toContain(r.status)
  }
  for (const [i, rule] of (opts.rules ?? []).entries()) {
    const r = await api<Json>('POST', `/v2/users/${id}/notification-rules`, { order: i, ...rule })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
  }
  return id
}

/** A create-alert rule with the given steps ([method, to, minutes]). */
export function alertRule(steps: Array<[string, string, number]>, extra: Json = {}): Json {
  return {
    name: `rule ${Math.random().toString(36).slice(2, 7)}`,
    actionType: 'create-alert',
    steps: steps.map(([method, to, after]) => ({
      contact: { method, to },
      sendAfter: { timeAmount: after },
    })),
    ...extra,
  }
}

/** Creates an alert through the Alert API and returns its stored row. */
export async function createAlert(srv: TestServer, body: Json) {
  const api = client(srv.url, `GenieKey ${srv.apiKey}`)
  const r = await api<Json>('POST', '/v2/alerts', body)
  expect(r.status).toBe(202)
  const st = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
  const alertId = st.body.data.alertId as string
  return srv.ctx.store.db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirstOrThrow()
}

/**
 * Writes a notification row as the escalation engine does (its code is not in this checkout yet): one
 * person to tell about one alert, with the payload snapshot.
 */
export async function notify(
  srv: TestServer,
  alert: {
    id: string
    tiny_id: number
    alias: string
    message: string
    priority: string
    status: string
    team_id: string
    tags: string
    source: string
    entity: string
  },
  userId: string,
  actionType: NotificationActionType = 'create-alert',
): Promise<string> {
  const now = srv.ctx.clock.now()
  const payload: NotificationPayload = {
    actionType,
    title: `[${alert.priority}] #${alert.tiny_id} ${alert.message}`,
    body: 'Escalation step 1 of the default policy',
    alert: {
      id: alert.id,
      tinyId: String(alert.tiny_id),
      alias: alert.alias,
      message: alert.message,
      priority: alert.priority,
      status: alert.status,
      teamId: alert.team_id,
      tags: JSON.parse(alert.tags) as string[],
      source: alert.source,
      entity: alert.entity,
    },
  }
  const id = newId(now)
  await srv.ctx.store.db
    .insertInto('notifications')
    .values({
      id,
      key: `test:${alert.id}:${userId}:${actionType}:${id}`,
      alert_id: alert.id,
      user_id: userId,
      action_type: actionType,
      rule_index: 0,
      cycle: 0,
      payload: JSON.stringify(payload),
      created_at: now,
      expanded_at: null,
    })
    .execute()
  return id
}

/** Test users are @example.test; the escalation engine may also page others (the team's owner) for an alert. */
const TEST_DOMAIN = '%@example.test'

/** The deliveries of an alert to the test's users, oldest due first. */
export function deliveriesOf(srv: TestServer, alertId: string) {
  const db = srv.ctx.store.db
  return db
    .selectFrom('deliveries')
    .selectAll()
    .where('alert_id', '=', alertId)
    .where('user_id', 'in', db.selectFrom('users').select('id').where('username', 'like', TEST_DOMAIN))
    .orderBy('due_at')
    .orderBy('key')
    .execute()
}

/** The alert's log lines written by delivery, in order (lines about users other than the test's left out). */
export async function deliveryLog(srv: TestServer, alertId: string): Promise<string[]> {
  const db = srv.ctx.store.db
  const rows = await db
    .selectFrom('alert_logs')
    .select('log')
    .where('alert_id', '=', alertId)
    .where('type', '=', 'notification')
    .orderBy('id')
    .execute()
  const others = await db
    .selectFrom('users')
    .select('username')
    .where('username', 'not like', TEST_DOMAIN)
    .execute()
  return rows.map((r) => r.log).filter((l) => !others.some((o) => l.includes(o.username)))
}

/** A request a loopback receiver got, its body read whole. */
export interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/**
 * An HTTP server on 127.0.0.1 that reads each request's body whole and lets `answer` reply: the webhook
 * endpoints and provider stand-ins of the delivery suites.
 */
export async function loopbackReceiver(
  answer: (request: Received, res: ServerResponse) => void,
): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      answer({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body }, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** A local HTTP receiver (a webhook endpoint): records each request's path and JSON body, answers 200. */
export async function httpReceiver(): Promise<{
  base: string
  hits: Array<{ path: string; body: Json }>
  close(): Promise<void>
}> {
  const hits: Array<{ path: string; body: Json }> = []
  const rx = await loopbackReceiver((r, res) => {
    hits.push({ path: r.path, body: r.body ? (JSON.parse(r.body) as Json) : {} })
    res.writeHead(200).end('ok')
  })
  return { ...rx, hits }
}
