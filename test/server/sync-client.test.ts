// The console's replica (src-renderer/db, RxDB memory storage) against the REAL server (server/sync via
// startTestServer) on loopback, on both stores: initial sync, a live alert after an HTTP create, an
// offline edit pushed on reconnect, a merge with a recorded conflict, a refused push's reason, and alert
// commands applied once.

import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'
import { filter, firstValueFrom, type Observable } from 'rxjs'
import { io } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_EVENTS, type SyncCollection } from '../../core/sync/protocol'
import { type Clock, ManualClock, systemClock } from '../../core/time/clock'
import { buildApp } from '../../server/app'
import { bootstrap } from '../../server/bootstrap'
import type { AppDeps } from '../../server/deps'
import { createMetrics } from '../../server/metrics'
import { type AttachableGateway, createDesktopGateway } from '../../server/sync/desktop-gateway'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import type { DesktopMessage } from '../../src-renderer/db/notify'
import { api, login, startTestServer, TEST_OWNER, type TestServer, testConfig } from '../support/server'
import { storeKinds, type TestStore } from '../support/stores'
import { weeklyScheduleBody } from './sync-client-fixtures'

type Json = Record<string, any>
const kinds = await storeKinds()
const until = <T>(obs$: Observable<T>, pred: (v: T) => boolean): Promise<T> =>
  firstValueFrom(obs$.pipe(filter(pred)))

/** A replica; two in one process must split RxDB's 13 collections, hence `collections`. */
async function openReplica(
  open: VigilDatabase[],
  url: string,
  token: string,
  clock: Clock,
  collections?: SyncCollection[],
): Promise<VigilDatabase> {
  const c = await createVigilDatabase({
    storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
    url,
    token,
    name: `replica${Math.random().toString(36).slice(2)}`,
    multiInstance: false,
    clock,
    retryTime: 50,
    retentionIntervalMs: 0,
    socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 50 },
    ...(collections ? { collections } : {}),
  })
  open.push(c)
  await c.leadership()
  return c
}

for (const kind of kinds) {
  describe(`sync client against the real server (${kind.name})`, () => {
    let srv: TestServer
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 12))
    const open: VigilDatabase[] = []
    const owner = <T = Json>(method: string, path: string, body?: unknown) =>
      api<T>(srv.url, method, path, `Bearer ${srv.ownerToken}`, body)

    beforeAll(async () => {
      srv = await startTestServer({ kind: kind.name, clock })
    })
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()))
    })
    afterAll(async () => {
      await srv?.close()
    })

    const replica = (token: string, collections?: SyncCollection[]) =>
      openReplica(open, srv.url, token, clock, collections)

    const alertByAlias = (c: VigilDatabase, alias: string) =>
      until(c.db.alerts.find({ selector: { alias } }).$, (docs) => docs.length > 0).then((d) =>
        d[0]?.toJSON(),
      )

    async function createAlert(alias: string): Promise<void> {
      const r = await api(srv.url, 'POST', '/v2/alerts', `GenieKey ${srv.apiKey}`, {
        message: `m ${alias}`,
        alias,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(202)
    }

    async function createSchedule(name: string): Promise<string> {
      const r = await owner<{ data: { id: string } }>(
        'POST',
        '/v2/schedules',
        weeklyScheduleBody(name, srv.teamId),
      )
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return r.body.data.id
    }

    it('syncs what exists on connect, then a live alert created over HTTP', async () => {
      await createAlert('before-connect')
      const c = await replica(srv.ownerToken)
      expect(await alertByAlias(c, 'before-connect')).toMatchObject({
        message: 'm before-connect',
        status: 'open',
      })
      await until(c.status$, (s) => s.state === 'online')
      await createAlert('while-connected')
      expect(await alertByAlias(c, 'while-connected')).toMatchObject({ message: 'm while-connected' })
    })

    it('keeps an offline edit and pushes it on reconnect', async () => {
      const id = await createSchedule('offline-edit')
      const c = await replica(srv.ownerToken, ['schedules'])
      await until(c.db.schedules.findOne(id).$, (d) => d !== null)
      await until(c.status$, (s) => s.state === 'online')
      c.goOffline()
      await until(c.status$, (s) => s.state === 'offline')
      await c.db.schedules.findOne(id).patch({ description: 'edited offline' })
      await until(c.status$, (s) => s.state === 'offline' && s.pending === 1)
      c.goOnline()
      await until(c.status$, (s) => s.state === 'online' && s.pending === 0)
      const server = await owner<{ data: Json }>('GET', `/v2/schedules/${id}`)
      expect(server.body.data.description).toBe('edited offline')
    })

    it('merges concurrent edits and records the field both changed as a conflict', async () => {
      const id = await createSchedule('merge-me')
      const a = await replica(srv.ownerToken, ['schedules'])
      const b = await replica(srv.ownerToken, ['schedules'])
      await until(a.db.schedules.findOne(id).$, (d) => d !== null)
      await until(b.db.schedules.findOne(id).$, (d) => d !== null)
      await until(a.status$, (s) => s.state === 'online')
      a.goOffline()
      await until(a.status$, (s) => s.state === 'offline')
      await a.db.schedules.findOne(id).patch({ name: 'merge-me A', description: 'from A' })
      await b.db.schedules.findOne(id).patch({ name: 'merge-me B', enabled: false })
      await until(b.status$, (s) => s.state === 'online' && s.pending === 0)
      a.goOnline()
      await until(a.status$, (s) => s.state === 'online' && s.pending === 0)
      const expected = { name: 'merge-me B', description: 'from A', enabled: false }
      await until(b.db.schedules.findOne(id).$, (d) => d?.description === 'from A')
      // Replicas converge by the stream: a may briefly hold B's version before its own merge streams back.
      await until(
        a.db.schedules.findOne(id).$,
        (d) => d?.description === 'from A' && d?.name === 'merge-me B',
      )
      expect((await a.db.schedules.findOne(id).exec())?.toJSON()).toMatchObject(expected)
      expect((await b.db.schedules.findOne(id).exec())?.toJSON()).toMatchObject(expected)
      const server = await owner<{ data: Json }>('GET', `/v2/schedules/${id}`)
      expect(server.body.data).toMatchObject({ name: 'merge-me B', description: 'from A', enabled: false })
      expect(await a.issues.conflicts()).toEqual([
        expect.objectContaining({
          collection: 'schedules',
          docId: id,
          field: 'name',
          base: 'merge-me',
          mine: 'merge-me A',
          theirs: 'merge-me B',
          when: clock.now(),
        }),
      ])
    })

    it('shows why the server refused a push and returns to the server state', async () => {
      const id = await createSchedule('not-yours')
      const username = `member-${kind.name}@vigil.test`
      const password = 'a long enough password 1'
      const u = await owner('POST', '/api/v1/users', { username, fullName: 'Member', role: 'user', password })
      expect(u.status, JSON.stringify(u.body)).toBe(201)
      const m = await owner('POST', `/api/v1/teams/${srv.teamId}/members`, {
        user: { username },
        role: 'user',
      })
      expect(m.status, JSON.stringify(m.body)).toBe(201)
      const c = await replica(await login(srv.url, username, password), ['schedules'])
      await until(c.db.schedules.findOne(id).$, (d) => d !== null)
      await c.db.schedules.findOne(id).patch({ name: 'hijacked' })
      const [rejection] = await until(c.issues.rejections$, (l) => l.length > 0)
      expect(rejection).toMatchObject({ collection: 'schedules', docId: id })
      expect(rejection?.reason).toMatch(/admin/i)
      await until(c.db.schedules.findOne(id).$, (d) => d?.name === 'not-yours')
      await until(c.status$, (s) => s.state === 'online' && s.pending === 0)
      expect((await owner<{ data: Json }>('GET', `/v2/schedules/${id}`)).body.data.name).toBe('not-yours')

      // A refused new document: listed with its reason, removed locally, and not pushed again and again.
      const template = (await c.db.schedules.findOne(id).exec())?.toMutableJSON()
      await c.db.schedules.insert({ ...template, id: 'made-by-a-member', name: 'mine' } as never)
      await until(c.db.schedules.findOne('made-by-a-member').$, (d) => d === null)
      await until(c.status$, (s) => s.state === 'online' && s.pending === 0)
      await c.awaitInSync()
      const refused = (await c.issues.rejections()).filter((r) => r.docId === 'made-by-a-member')
      expect(refused).toHaveLength(1)
      expect(refused[0]?.reason).toMatch(/admin/i)
      expect((await owner('GET', '/v2/schedules/made-by-a-member')).status).toBe(404)
    })

    it('applies an alert command once, even when its push is repeated', async () => {
      await createAlert('to-ack')
      const c = await replica(srv.ownerToken, ['alerts', 'alertCommands'])
      const alert = await alertByAlias(c, 'to-ack')
      if (!alert) throw new Error('alert did not arrive')
      await until(c.status$, (s) => s.state === 'online')
      c.goOffline()
      const command = await c.sendAlertCommand({
        alertId: alert.id,
        action: 'acknowledge',
        params: { note: 'mine' },
      })
      c.goOnline()
      await until(c.db.alerts.findOne(alert.id).$, (d) => d?.acknowledged === true)
      const done = await until(c.db.alertCommands.findOne(command.id).$, (d) => d?.status === 'applied')
      expect(done?.toJSON()).toMatchObject({ id: command.id, status: 'applied' })
      const logs = async () =>
        (await owner<{ data: Json[] }>('GET', `/v2/alerts/${alert.id}/logs`)).body.data.length
      const before = await logs()

      // A retry of the original push (the client never saw the answer) must change nothing.
      const raw = io(srv.url, { auth: { token: srv.ownerToken }, transports: ['websocket'] })
      try {
        const answer = await raw.timeout(10_000).emitWithAck(SYNC_EVENTS.push, {
          collection: 'alertCommands',
          rows: [{ newDocumentState: { ...command, _deleted: false } }],
        })
        expect(answer).toMatchObject({ ok: true })
      } finally {
        raw.disconnect()
      }
      expect(await logs()).toBe(before)
      const served = await owner<{ data: Json }>('GET', `/v2/alerts/${alert.id}`)
      expect(served.body.data.acknowledged).toBe(true)
    })

    it('reports a refused handshake and a revoked session as unauthorized', async () => {
      const bad = await replica('not-a-session-token', ['schedules'])
      const refused = await until(bad.status$, (s) => s.problem !== undefined)
      expect(refused).toMatchObject({ state: 'offline', problem: { code: 'unauthorized' } })

      const token = await login(srv.url, TEST_OWNER.email, TEST_OWNER.password)
      const c = await replica(token, ['schedules'])
      await until(c.status$, (s) => s.state === 'online')
      expect((await api(srv.url, 'POST', '/api/v1/auth/logout', `Bearer ${token}`)).status).toBe(200)
      const ended = await until(c.status$, (s) => s.state === 'offline')
      expect(ended.problem?.code).toBe('unauthorized')
    })
  })

  // startTestServer builds its own desktop gateway; this app is built with one the test can call.
  describe(`desktop notifications through the real gateway (${kind.name})`, () => {
    let store: TestStore
    let app: FastifyInstance
    let url: string
    let gateway: AttachableGateway
    const open: VigilDatabase[] = []

    beforeAll(async () => {
      store = await kind.open()
      gateway = createDesktopGateway()
      const deps: AppDeps = {
        store: store.store,
        clock: systemClock,
        config: testConfig({ dataDir: store.location.dataDir ?? '.data-test' }),
        metrics: createMetrics(),
        logger: pino({ level: 'silent' }),
        desktop: gateway,
      }
      await bootstrap(deps)
      app = (await buildApp(deps)).app
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      if (!address || typeof address === 'string') throw new Error('no address')
      url = `http://127.0.0.1:${address.port}`
    })
    afterAll(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()))
      await app?.close()
      await store?.dispose()
    })

    it('acknowledges vigil:notify on receipt and hands the message to the callback', async () => {
      const token = await login(url, TEST_OWNER.email, TEST_OWNER.password)
      const c = await openReplica(open, url, token, systemClock, ['me'])
      await until(c.status$, (s) => s.state === 'online')
      const received: DesktopMessage[] = []
      c.onNotify((m) => received.push(m))
      const ownerId = (
        await store.store.db
          .selectFrom('users')
          .select('id')
          .where('username', '=', TEST_OWNER.email)
          .executeTakeFirstOrThrow()
      ).id
      const message: DesktopMessage = { deliveryId: 'delivery-1', notifications: [] }
      expect(await gateway.deliver(ownerId, message, 10_000)).toBe('received')
      expect(received).toEqual([message])
    })
  })
}
