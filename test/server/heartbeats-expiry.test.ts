import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { buildApp } from '../../server/app'
import type { AppContext } from '../../server/context'
import { expireHeartbeats, pingHeartbeat } from '../../server/engine/heartbeats'
import { createMetrics } from '../../server/metrics'
import { openPostgres } from '../../server/store/postgres'
import type { Store } from '../../server/store/store'
import { client } from '../support/http'
import { startTestServer, type TestServer, testConfig } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
const MIN = 60_000

/** Another app (no HTTP listener) on an already open store: a restarted server, or a second instance. */
async function instanceOn(store: Store, clock: ManualClock) {
  const { app, ctx } = await buildApp({
    store,
    clock,
    config: testConfig(),
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
  })
  return { ctx, close: () => app.close() }
}

/**
 * A second instance's own connection pool on an already migrated PostgreSQL schema. Not openStore: its
 * migrator introspects every schema in the database, which races with other suites dropping theirs.
 */
function secondPool(url: string): Store {
  const { db } = openPostgres(url)
  return {
    db,
    dialect: 'postgres',
    ping: async () => true,
    sync: async () => {},
    close: () => db.destroy(),
  }
}

/** Every alert a heartbeat ever raised, oldest first. */
function alertsOf(ctx: AppContext, name: string) {
  return ctx.store.db
    .selectFrom('alerts')
    .selectAll()
    .where('alias', '=', `heartbeat-${name}`)
    .orderBy('tiny_id')
    .execute()
}

describe.each(kinds)('heartbeat expiry on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  let srv: TestServer
  let api: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    api = client(srv.url, `GenieKey ${srv.apiKey}`)
  })
  afterAll(async () => srv?.close())

  async function create(hbName: string, over: Json = {}) {
    const r = await api<Json>('POST', '/v2/heartbeats', {
      name: hbName,
      interval: 5,
      intervalUnit: 'minutes',
      enabled: true,
      ...over,
    })
    expect(r.status).toBe(201)
  }
  const heartbeat = async (hbName: string) => (await api<Json>('GET', `/v2/heartbeats/${hbName}`)).body.data
  const sweep = () => expireHeartbeats(srv.ctx, clock)

  it('expires after the interval and raises exactly one alert with the stable alias', async () => {
    await create('exp-1', { alertTags: ['db'], alertPriority: 'P2', description: 'backup job' })
    clock.advance(4 * MIN)
    await sweep()
    expect((await heartbeat('exp-1')).expired).toBe(false)
    expect(await alertsOf(srv.ctx, 'exp-1')).toHaveLength(0)

    clock.advance(2 * MIN)
    await sweep()
    expect((await heartbeat('exp-1')).expired).toBe(true)
    await sweep()
    clock.advance(60 * MIN)
    await sweep()
    const alerts = await alertsOf(srv.ctx, 'exp-1')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]?.count).toBe(1)
    const got = await api<Json>('GET', '/v2/alerts/heartbeat-exp-1?identifierType=alias')
    expect(got.status).toBe(200)
    expect(got.body.data).toMatchObject({
      message: 'exp-1 is expired',
      alias: 'heartbeat-exp-1',
      status: 'open',
      priority: 'P2',
      source: 'heartbeat',
      count: 1,
      tags: ['db', 'heartbeat'],
      details: { heartbeat: 'exp-1', lastPingTime: '' },
    })
    expect(got.body.data.responders).toEqual([{ type: 'team', id: srv.teamId }])
  })

  it('closes the alert on the next ping, and a later expiry raises a new one', async () => {
    await create('exp-2')
    clock.advance(6 * MIN)
    await sweep()
    const [first] = await alertsOf(srv.ctx, 'exp-2')
    expect(first?.status).toBe('open')

    const pong = await api<Json>('POST', '/v2/heartbeats/exp-2/ping')
    expect(pong.status).toBe(202)
    const pingedAt = new Date(clock.now()).toISOString()
    expect(await heartbeat('exp-2')).toMatchObject({ expired: false, lastPingTime: pingedAt })
    const closed = await api<Json>(`GET`, `/v2/alerts/${first?.id}`)
    expect(closed.body.data.status).toBe('closed')
    const notes = await api<Json>('GET', `/v2/alerts/${first?.id}/notes`)
    expect(notes.body.data.map((n: Json) => n.note)).toContain('Heartbeat exp-2 received again')

    // The new interval runs from the ping.
    clock.advance(4 * MIN)
    await sweep()
    expect(await alertsOf(srv.ctx, 'exp-2')).toHaveLength(1)
    clock.advance(2 * MIN)
    await sweep()
    await sweep()
    const alerts = await alertsOf(srv.ctx, 'exp-2')
    expect(alerts.map((a) => [a.status, a.count])).toEqual([
      ['closed', 1],
      ['open', 1],
    ])
    expect(alerts[1]?.details).toContain(pingedAt)
  })

  it('leaves the alert open with autoClose off; the next expiry counts on it', async () => {
    await create('exp-3', { autoClose: false })
    clock.advance(6 * MIN)
    await sweep()
    await api('GET', '/v2/heartbeats/exp-3/ping')
    expect((await heartbeat('exp-3')).expired).toBe(false)
    expect((await alertsOf(srv.ctx, 'exp-3'))[0]?.status).toBe('open')
    clock.advance(6 * MIN)
    await sweep()
    const alerts = await alertsOf(srv.ctx, 'exp-3')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]?.count).toBe(2)
  })

  it('never expires a disabled heartbeat; enabling restarts the interval from now', async () => {
    await create('off-1', { enabled: false })
    await create('off-2')
    clock.advance(3 * MIN)
    expect((await api('POST', '/v2/heartbeats/off-2/disable')).status).toBe(200)
    clock.advance(3 * 24 * 60 * MIN)
    await sweep()
    expect(await heartbeat('off-1')).toMatchObject({ enabled: false, expired: false })
    expect(await heartbeat('off-2')).toMatchObject({ enabled: false, expired: false })
    // A ping on a disabled heartbeat is remembered but starts nothing.
    await api('GET', '/v2/heartbeats/off-1/ping')
    clock.advance(10 * MIN)
    await sweep()
    expect(await alertsOf(srv.ctx, 'off-1')).toHaveLength(0)
    expect(await alertsOf(srv.ctx, 'off-2')).toHaveLength(0)

    await api('POST', '/v2/heartbeats/off-2/enable')
    clock.advance(4 * MIN)
    await sweep()
    expect((await heartbeat('off-2')).expired).toBe(false)
    clock.advance(2 * MIN)
    await sweep()
    expect((await heartbeat('off-2')).expired).toBe(true)
    expect(await alertsOf(srv.ctx, 'off-2')).toHaveLength(1)
    // Disabling an expired heartbeat clears the flag (the alert stays for people to close).
    await api('POST', '/v2/heartbeats/off-2/disable')
    expect((await heartbeat('off-2')).expired).toBe(false)
    expect((await alertsOf(srv.ctx, 'off-2'))[0]?.status).toBe('open')
  })

  it('moves the deadline when the interval changes, from the start of the running interval', async () => {
    await create('edit-1', { interval: 1, intervalUnit: 'hours' })
    clock.advance(20 * MIN)
    await api('PATCH', '/v2/heartbeats/edit-1', { interval: 30, intervalUnit: 'minutes' })
    clock.advance(9 * MIN)
    await sweep()
    expect((await heartbeat('edit-1')).expired).toBe(false)
    clock.advance(2 * MIN)
    await sweep()
    expect((await heartbeat('edit-1')).expired).toBe(true)
  })

  it('raises the alert once at the first sweep after a restart for what expired while down', async () => {
    await create('down-1')
    await create('down-2', { interval: 1, intervalUnit: 'days' })
    // The server stops (sweepers and writer with it); time passes; a new server starts on the same store.
    await srv.app.close()
    clock.advance(2 * 60 * MIN)
    const restarted = await instanceOn(srv.ctx.store, clock)
    try {
      expect(await expireHeartbeats(restarted.ctx, clock)).toBeGreaterThanOrEqual(1)
      expect(await expireHeartbeats(restarted.ctx, clock)).toBe(0)
      const down1 = await alertsOf(restarted.ctx, 'down-1')
      expect(down1.map((a) => [a.status, a.count])).toEqual([['open', 1]])
      expect(await alertsOf(restarted.ctx, 'down-2')).toHaveLength(0)
    } finally {
      await restarted.close()
    }
  })
})

const pgOnly = kinds.filter((k) => k.name === 'postgres')

describe.each(pgOnly)('heartbeat expiry with two instances on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 8, 0, 0))
  let srv: TestServer
  let second: Awaited<ReturnType<typeof instanceOn>>
  let secondStore: Store
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    secondStore = secondPool(srv.testStore.location.databaseUrl as string)
    second = await instanceOn(secondStore, clock)
  })
  afterAll(async () => {
    await second?.close()
    await secondStore?.close()
    await srv?.close()
  })

  it('raises exactly one alert per expired heartbeat while both sweep concurrently', async () => {
    const api = client(srv.url, `GenieKey ${srv.apiKey}`)
    const names = Array.from({ length: 40 }, (_, i) => `multi-${i}`)
    for (const n of names) {
      const r = await api('POST', '/v2/heartbeats', {
        name: n,
        interval: 1,
        intervalUnit: 'minutes',
        enabled: true,
      })
      expect(r.status).toBe(201)
    }
    for (let cycle = 0; cycle < 2; cycle++) {
      clock.advance(2 * MIN)
      const runs: Promise<number>[] = []
      for (let i = 0; i < 15; i++) {
        runs.push(expireHeartbeats(srv.ctx, clock), expireHeartbeats(second.ctx, clock))
      }
      const expired = (await Promise.all(runs)).reduce((a, b) => a + b, 0)
      // The background sweepers of both apps may have taken some; never more than one per heartbeat.
      expect(expired).toBeLessThanOrEqual(names.length)
      for (const n of names) {
        const alerts = await alertsOf(srv.ctx, n)
        expect(
          alerts.map((a) => [a.status, a.count]),
          n,
        ).toEqual([...(cycle === 1 ? [['closed', 1]] : []), ['open', 1]])
      }
      const rows = await srv.ctx.store.db.selectFrom('heartbeats').select('expired').execute()
      expect(rows.every((r) => r.expired === 1)).toBe(true)
      // Pings through both instances' HTTP-less write paths would do too; one ping each closes the alerts.
      if (cycle === 0)
        for (const n of names) expect((await api('GET', `/v2/heartbeats/${n}/ping`)).status).toBe(202)
    }
  })

  it('keeps a ping racing both sweeps consistent: expired exactly when its alert is open', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `race-${i}`)
    const api = client(srv.url, `GenieKey ${srv.apiKey}`)
    for (const n of names) {
      await api('POST', '/v2/heartbeats', { name: n, interval: 1, intervalUnit: 'minutes', enabled: true })
    }
    for (let round = 0; round < 3; round++) {
      clock.advance(MIN)
      const teamOk = () => true
      await Promise.all([
        ...names.map((n, i) => pingHeartbeat(i % 2 ? srv.ctx : second.ctx, clock, n, teamOk, 'test')),
        ...Array.from({ length: 5 }, () => [
          expireHeartbeats(srv.ctx, clock),
          expireHeartbeats(second.ctx, clock),
        ]).flat(),
      ])
      for (const n of names) {
        const hb = await srv.ctx.store.db
          .selectFrom('heartbeats')
          .select('expired')
          .where('name', '=', n)
          .executeTakeFirst()
        const open = (await alertsOf(srv.ctx, n)).filter((a) => a.status === 'open')
        expect(open.length, n).toBeLessThanOrEqual(1)
        expect(open.length, n).toBe(hb?.expired)
      }
    }
  })
})
