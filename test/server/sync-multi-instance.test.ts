/**
 * Two app instances on one PostgreSQL schema: a client on A sees a write made through B, and B's desktop
 * gateway reaches a client connected to A through the Socket.IO Postgres adapter.
 */
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import { systemClock } from '../../core/time/clock'
import { buildApp } from '../../server/app'
import { createMetrics } from '../../server/metrics'
import { openStore, type Store } from '../../server/store/store'
import { type AttachableGateway, createDesktopGateway } from '../../server/sync/desktop-gateway'
import { client } from '../support/http'
import { startTestServer, type TestServer, testConfig } from '../support/server'
import { postgresAvailable } from '../support/stores'
import { connect, hasDoc, type SyncClient } from './sync-support'

type Json = Record<string, any>
const hasPg = await postgresAvailable()

describe.runIf(hasPg)('sync across two instances (PostgreSQL)', () => {
  let a: TestServer
  let bStore: Store
  let b: FastifyInstance
  let bUrl: string
  let bDesktop: AttachableGateway
  const sockets: SyncClient[] = []

  beforeAll(async () => {
    a = await startTestServer({ kind: 'postgres' })
    const url = a.testStore.location.databaseUrl as string
    bStore = await openStore({ databaseUrl: url })
    bDesktop = createDesktopGateway()
    const built = await buildApp({
      store: bStore,
      clock: systemClock,
      config: testConfig({ databaseUrl: url }),
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
      desktop: bDesktop,
    })
    b = built.app
    await b.listen({ host: '127.0.0.1', port: 0 })
    const address = b.server.address()
    if (!address || typeof address === 'string') throw new Error('no address')
    bUrl = `http://127.0.0.1:${address.port}`
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    await b?.close()
    await bStore?.close()
    await a?.close()
  })

  it('streams to a client on A a schedule written through B', async () => {
    const onA = await connect(a.url, a.ownerToken)
    sockets.push(onA)
    await onA.waitStream((m) => 'resync' in m && m.collection === 'me')
    const viaB = client(bUrl, `Bearer ${a.ownerToken}`)
    const r = await viaB<Json>('POST', '/v2/schedules', { name: 'written on B', ownerTeam: { id: a.teamId } })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const m = await onA.waitStream(hasDoc('schedules', (d) => d.name === 'written on B'))
    expect(m.collection).toBe('schedules')
  })

  it("reaches a desktop app on A through B's gateway, and tells no-client from timeout", async () => {
    const ownerId = (
      await a.testStore.store.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'owner@vigil.test')
        .executeTakeFirstOrThrow()
    ).id
    const onA = await connect(a.url, a.ownerToken)
    sockets.push(onA)
    const received: unknown[] = []
    onA.socket.on(SYNC_EVENTS.notify, (msg: unknown, ack: (r: unknown) => void) => {
      received.push(msg)
      ack({ ok: true })
    })
    const message = { deliveryId: 'd-1', notifications: [] }
    expect(await bDesktop.deliver(ownerId, message, 5_000)).toBe('received')
    expect(received).toEqual([message])

    expect(await bDesktop.deliver('nobody', message, 5_000)).toBe('no-client')

    // An app that never acknowledges: the gateway gives up after the timeout.
    onA.socket.off(SYNC_EVENTS.notify)
    onA.socket.on(SYNC_EVENTS.notify, () => {})
    expect(await bDesktop.deliver(ownerId, message, 300)).toBe('timeout')
  })
})
