// The console's replica (src-renderer/db) against a real Socket.IO server on loopback that speaks
// core/sync/protocol.ts with an in-memory master (sync-client-fixtures.ts). This pins the client's wiring
// (pull/push/stream/RESYNC, merge, rejections, commands, status, notifications, retention) independently
// of server/sync; sync-client.test.ts runs the same client against the real server on both stores.

import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'
import { filter, firstValueFrom, type Observable } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SyncCollection } from '../../core/sync/protocol'
import { ManualClock } from '../../core/time/clock'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import type { DesktopMessage } from '../../src-renderer/db/notify'
import { alertDoc, type ProtocolServer, scheduleDoc, startProtocolServer } from './sync-client-fixtures'

const TOKEN = 'session-token-for-tests'
const until = <T>(obs$: Observable<T>, pred: (v: T) => boolean): Promise<T> =>
  firstValueFrom(obs$.pipe(filter(pred)))

describe('sync client against a protocol server', () => {
  let server: ProtocolServer
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 12))
  const open: VigilDatabase[] = []

  beforeAll(async () => {
    server = await startProtocolServer(TOKEN)
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()))
  })
  afterAll(async () => {
    await server.close()
  })

  async function client(
    token = TOKEN,
    collections?: SyncCollection[],
    at: { url: string; name?: string } = server,
  ): Promise<VigilDatabase> {
    const c = await createVigilDatabase({
      ...(collections ? { collections } : {}),
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
      url: at.url,
      token,
      name: at.name ?? `client${Math.random().toString(36).slice(2)}`,
      multiInstance: false,
      clock,
      retryTime: 50,
      retentionDays: 30,
      retentionIntervalMs: 0,
      socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 50 },
    })
    open.push(c)
    await c.leadership()
    return c
  }

  it('pulls everything on first connect, then receives live changes through the stream', async () => {
    server.write('alerts', alertDoc('a-initial'))
    server.write('schedules', scheduleDoc('s-initial'))
    const c = await client()
    await until(c.status$, (s) => s.state === 'online')
    await c.awaitInSync()
    expect((await c.db.alerts.findOne('a-initial').exec())?.message).toBe('alert a-initial')
    expect((await c.db.schedules.findOne('s-initial').exec())?.name).toBe('schedule s-initial')

    server.write('alerts', alertDoc('a-live', { priority: 'P1' }))
    const live = await until(c.db.alerts.findOne('a-live').$, (d) => d !== null)
    expect(live?.priority).toBe('P1')
  })

  it('keeps local edits while offline, counts them, and pushes them on reconnect', async () => {
    server.write('schedules', scheduleDoc('s-off'))
    const c = await client()
    await until(c.db.schedules.findOne('s-off').$, (d) => d !== null)
    await until(c.status$, (s) => s.state === 'online')

    c.goOffline()
    await until(c.status$, (s) => s.state === 'offline')
    await c.db.schedules.findOne('s-off').patch({ description: 'edited on a plane' })
    await until(c.status$, (s) => s.state === 'offline' && s.pending === 1)
    expect(server.get('schedules', 's-off')?.description).toBe('')

    c.goOnline()
    await until(c.status$, (s) => s.state === 'online' && s.pending === 0)
    expect(server.get('schedules', 's-off')?.description).toBe('edited on a plane')
  })

  it('still counts changes an earlier session left unpushed after a restart, and pushes them', async () => {
    // A server of its own, so that it can be down while the app restarts (same URL, same replication).
    let own = await startProtocolServer(TOKEN)
    const at = { url: own.url, name: `restart${Math.random().toString(36).slice(2)}` }
    try {
      own.write('schedules', scheduleDoc('s-restart'))
      const first = await client(TOKEN, ['schedules'], at)
      await until(first.db.schedules.findOne('s-restart').$, (d) => d !== null)
      await until(first.status$, (s) => s.state === 'online' && s.pending === 0)
      first.goOffline()
      await first.db.schedules.findOne('s-restart').patch({ description: 'before the restart' })
      const { _deleted, ...created } = scheduleDoc('s-new')
      await first.db.schedules.insert(created)
      await until(first.status$, (s) => s.pending === 2)
      await first.close()
      open.splice(open.indexOf(first), 1)
      await own.close()

      const again = await client(TOKEN, ['schedules'], at)
      expect(await until(again.status$, (s) => s.pending === 2)).toMatchObject({
        state: 'offline',
        pending: 2,
      })
      // The server comes back (same URL): both changes are pushed and the count drops to zero.
      const { master } = own
      own = await startProtocolServer(TOKEN, Number(new URL(at.url).port), master)
      await until(again.status$, (s) => s.state === 'online' && s.pending === 0)
      expect(own.get('schedules', 's-restart')?.description).toBe('before the restart')
      expect(own.get('schedules', 's-new')).toBeDefined()
    } finally {
      await own.close()
    }
  })

  it('merges an offline edit with a concurrent online edit and lists the true conflict', async () => {
    server.write('schedules', scheduleDoc('s-conf'))
    // RxDB allows 13 open collections per realm: two replicas in one process split them.
    const a = await client(TOKEN, ['schedules'])
    const b = await client(TOKEN, ['schedules'])
    await until(a.db.schedules.findOne('s-conf').$, (d) => d !== null)
    await until(b.db.schedules.findOne('s-conf').$, (d) => d !== null)
    await until(a.status$, (s) => s.state === 'online')

    a.goOffline()
    await until(a.status$, (s) => s.state === 'offline')
    await a.db.schedules.findOne('s-conf').patch({ name: 'name from A', description: 'description from A' })
    await b.db.schedules.findOne('s-conf').patch({ name: 'name from B', enabled: false })
    await until(b.status$, (s) => s.state === 'online' && s.pending === 0)
    expect(server.get('schedules', 's-conf')).toMatchObject({ name: 'name from B', enabled: false })

    a.goOnline()
    const expected = { name: 'name from B', description: 'description from A', enabled: false }
    await until(a.status$, (s) => s.state === 'online' && s.pending === 0)
    await until(b.db.schedules.findOne('s-conf').$, (d) => d?.description === 'description from A')
    expect(server.get('schedules', 's-conf')).toMatchObject(expected)
    expect((await a.db.schedules.findOne('s-conf').exec())?.toJSON()).toMatchObject(expected)
    const conflicts = await until(a.issues.conflicts$, (l) => l.length > 0)
    expect(conflicts).toEqual([
      expect.objectContaining({
        collection: 'schedules',
        docId: 's-conf',
        field: 'name',
        base: 'schedule s-conf',
        mine: 'name from A',
        theirs: 'name from B',
        when: clock.now(),
      }),
    ])
    await a.issues.dismiss(conflicts.map((c) => c.key))
    expect(await a.issues.conflicts()).toEqual([])
  })

  it('surfaces a refused push with its reason and returns to the server state', async () => {
    server.write('schedules', scheduleDoc('s-rej'))
    server.write('teams', {
      id: 'team-9',
      _deleted: false,
      name: 'Nine',
      description: '',
      members: [],
      createdAt: 1,
      updatedAt: 1,
    } as never)
    const c = await client()
    await until(c.db.schedules.findOne('s-rej').$, (d) => d !== null)
    await c.db.schedules.findOne('s-rej').patch({ name: 'FORBIDDEN' })
    const rejections = await until(c.issues.rejections$, (l) => l.length > 0)
    expect(rejections).toEqual([
      expect.objectContaining({
        collection: 'schedules',
        docId: 's-rej',
        reason: 'not allowed to change schedules s-rej',
      }),
    ])
    await until(c.db.schedules.findOne('s-rej').$, (d) => d?.name === 'schedule s-rej')
    await until(c.status$, (s) => s.state === 'online' && s.pending === 0)
    expect(server.get('schedules', 's-rej')?.name).toBe('schedule s-rej')
    // Pull-only collections are never pushed: a local edit stays local.
    await until(c.db.teams.findOne('team-9').$, (d) => d !== null)
    await c.db.teams.findOne('team-9').patch({ name: 'local only' })
    await c.awaitInSync()
    expect(server.pushes.some((p) => p.collection === 'teams')).toBe(false)
  })

  it('queues alert actions as commands, offline too, and the server applies each once', async () => {
    server.write('alerts', alertDoc('a-cmd'))
    const c = await client()
    await until(c.db.alerts.findOne('a-cmd').$, (d) => d !== null)
    await until(c.status$, (s) => s.state === 'online')
    c.goOffline()
    await until(c.status$, (s) => s.state === 'offline')
    const command = await c.sendAlertCommand({
      alertId: 'a-cmd',
      action: 'acknowledge',
      params: { note: 'on it' },
    })
    expect(command).toMatchObject({
      alertId: 'a-cmd',
      action: 'acknowledge',
      status: 'pending',
      createdAt: clock.now(),
    })
    c.goOnline()
    await until(c.db.alerts.findOne('a-cmd').$, (d) => d?.acknowledged === true)
    await until(c.db.alertCommands.findOne(command.id).$, (d) => d?.status === 'applied')
    // A retried push of the same command (the client never saw the answer) is harmless.
    const again = await c.db.alertCommands.findOne(command.id).exec()
    expect(again?.status).toBe('applied')
    expect(server.applied.get(command.id)).toBe(1)
  })

  it('acknowledges desktop notifications and hands them to the callback', async () => {
    const c = await client()
    await until(c.status$, (s) => s.state === 'online')
    const received: DesktopMessage[] = []
    c.onNotify((m) => received.push(m))
    const message = { deliveryId: 'd-1', notifications: [] }
    const receipts = await server.notify(message)
    expect(receipts).toEqual([{ ok: true, value: { deliveryId: 'd-1' } }])
    expect(received).toEqual([message])
  })

  it('keeps open alerts and recently closed ones; older closed ones are dropped or purged', async () => {
    const day = 86_400_000
    const now = clock.now()
    server.write(
      'alerts',
      alertDoc('a-old', { status: 'closed', createdAt: now - 40 * day, updatedAt: now - 40 * day }),
    )
    server.write(
      'alerts',
      alertDoc('a-aging', { status: 'closed', createdAt: now - 20 * day, closeTime: day }),
    )
    server.write('alerts', alertDoc('a-open-old', { createdAt: now - 90 * day }))
    server.write('alertLogs', {
      id: 'log-aging',
      _deleted: false,
      alertId: 'a-aging',
      createdAt: now - 20 * day,
      type: 'x',
      owner: '',
      log: 'l',
    } as never)
    const c = await client()
    await until(c.db.alerts.findOne('a-aging').$, (d) => d !== null)
    await c.awaitInSync()
    expect(await c.db.alerts.findOne('a-old').exec()).toBeNull()
    expect(await c.db.alerts.findOne('a-open-old').exec()).not.toBeNull()
    expect(await c.db.alertLogs.findOne('log-aging').exec()).not.toBeNull()

    clock.advance(15 * day)
    try {
      expect(await c.purgeExpired()).toBe(1)
      expect(await c.db.alerts.findOne('a-aging').exec()).toBeNull()
      expect(await c.db.alertLogs.findOne('log-aging').exec()).toBeNull()
      expect(await c.db.alerts.findOne('a-open-old').exec()).not.toBeNull()
    } finally {
      clock.advance(-15 * day)
    }
  })

  it('comes back by itself when the server drops the socket (back-pressure, restart)', async () => {
    const c = await client(TOKEN, ['schedules'])
    await until(c.status$, (s) => s.state === 'online')
    server.io.disconnectSockets(true)
    await until(c.status$, (s) => s.state === 'offline')
    server.write('schedules', scheduleDoc('s-after-kick'))
    // Reconnected, it re-syncs and gets what was written while it was away.
    await until(c.db.schedules.findOne('s-after-kick').$, (d) => d !== null)
    await until(c.status$, (s) => s.state === 'online')
  })

  it('stays offline with a wrong token, says why, and keeps working locally', async () => {
    const c = await client('wrong')
    const status = await until(c.status$, (s) => s.problem !== undefined)
    expect(status).toEqual({
      state: 'offline',
      pending: 0,
      problem: { code: 'unreachable', message: 'unauthorized' },
    })
    const { _deleted, ...local } = scheduleDoc('s-local')
    await c.db.schedules.insert(local)
    await until(c.status$, (s) => s.state === 'offline' && s.pending === 1)
  })
})
