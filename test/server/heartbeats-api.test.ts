import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>

describe.each(kinds)('Opsgenie Heartbeat API on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0))
  let srv: TestServer
  let owner: ReturnType<typeof client>
  let key: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
  })
  afterAll(async () => srv?.close())

  const integrationKey: Fx['integrationKey'] = (...a) => fixtures(srv).integrationKey(...a)
  const team: Fx['team'] = (...a) => fixtures(srv).team(...a)
  const user: Fx['user'] = (...a) => fixtures(srv).user(...a)

  const hb = (over: Json = {}) => ({
    name: 'hb',
    interval: 5,
    intervalUnit: 'minutes',
    enabled: true,
    ...over,
  })

  it('creates with defaults, reads, lists, updates, and deletes, in Opsgenie’s shapes', async () => {
    const created = await key<Json>(
      'POST',
      '/v2/heartbeats',
      hb({ name: 'crud-1', alertTags: [' db ', 'db', 'x'] }),
    )
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      result: 'Created',
      requestId: expect.any(String),
      took: expect.any(Number),
    })
    expect(created.body.data).toEqual({
      name: 'crud-1',
      description: '',
      interval: 5,
      intervalUnit: 'minutes',
      enabled: true,
      expired: false,
      ownerTeam: { id: srv.teamId, name: 'Default' },
      alertMessage: 'crud-1 is expired',
      alertTags: ['db', 'x'],
      alertPriority: 'P3',
      autoClose: true,
    })
    const got = await key<Json>('GET', '/v2/heartbeats/crud-1')
    expect(got.status).toBe(200)
    expect(got.body.data.name).toBe('crud-1')
    const list = await owner<Json>('GET', '/v2/heartbeats')
    expect(list.status).toBe(200)
    expect(list.body.data.heartbeats.map((h: Json) => h.name)).toContain('crud-1')

    const patched = await key<Json>('PATCH', '/v2/heartbeats/crud-1', {
      description: 'nightly backup',
      interval: 2,
      intervalUnit: 'hours',
      alertPriority: 'P1',
      alertMessage: 'backup missing',
      autoClose: false,
    })
    expect(patched.status).toBe(200)
    expect(patched.body.data).toMatchObject({
      description: 'nightly backup',
      interval: 2,
      intervalUnit: 'hours',
      alertPriority: 'P1',
      alertMessage: 'backup missing',
      autoClose: false,
      enabled: true,
    })
    const off = await key<Json>('POST', '/v2/heartbeats/crud-1/disable')
    expect(off.status).toBe(200)
    expect(off.body).toMatchObject({ result: 'Disabled', data: { enabled: false, expired: false } })
    const on = await key<Json>('POST', '/v2/heartbeats/crud-1/enable')
    expect(on.body).toMatchObject({ result: 'Enabled', data: { enabled: true } })

    const del = await key<Json>('DELETE', '/v2/heartbeats/crud-1')
    expect(del.status).toBe(200)
    expect(del.body.result).toBe('Deleted')
    const gone = await key<Json>('GET', '/v2/heartbeats/crud-1')
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({
      message: expect.stringContaining('crud-1'),
      requestId: expect.any(String),
    })
    for (const [method, path] of [
      ['PATCH', '/v2/heartbeats/crud-1'],
      ['DELETE', '/v2/heartbeats/crud-1'],
      ['POST', '/v2/heartbeats/crud-1/enable'],
      ['POST', '/v2/heartbeats/crud-1/disable'],
    ] as const) {
      expect((await key(method, path, method === 'PATCH' ? { description: 'x' } : undefined)).status).toBe(
        404,
      )
    }
  })

  it('answers 409 for a duplicate name, also from another team', async () => {
    expect((await key('POST', '/v2/heartbeats', hb({ name: 'dup-1' }))).status).toBe(201)
    const again = await key<Json>('POST', '/v2/heartbeats', hb({ name: 'dup-1' }))
    expect(again.status).toBe(409)
    expect(again.body.message).toContain('already exists')
    const other = await team('Dup Team')
    const r = await owner('POST', '/v2/heartbeats', hb({ name: 'dup-1', ownerTeam: { id: other } }))
    expect(r.status).toBe(409)
  })

  it('validates every field with a 422 per field', async () => {
    const cases: Array<[Json, string]> = [
      [{ name: undefined }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'n'.repeat(201) }, 'name'],
      [{ description: 'd'.repeat(10_001) }, 'description'],
      [{ interval: 0 }, 'interval'],
      [{ interval: 1.5 }, 'interval'],
      [{ interval: '5' }, 'interval'],
      [{ interval: undefined }, 'interval'],
      [{ intervalUnit: 'weeks' }, 'intervalUnit'],
      [{ intervalUnit: undefined }, 'intervalUnit'],
      [{ enabled: undefined }, 'enabled'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ alertMessage: 'm'.repeat(131) }, 'alertMessage'],
      [{ alertTags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'alertTags'],
      [{ alertTags: ['ok', 't'.repeat(51)] }, 'alertTags[1]'],
      [{ alertPriority: 'P9' }, 'alertPriority'],
      [{ ownerTeam: {} }, 'ownerTeam'],
      [{ ownerTeam: { name: 'No Such Team' } }, 'ownerTeam'],
    ]
    for (const [over, field] of cases) {
      const r = await owner<Json>('POST', '/v2/heartbeats', hb({ name: 'valid-x', ...over }))
      expect(r.status, JSON.stringify(over).slice(0, 80)).toBe(422)
      expect(Object.keys(r.body.errors ?? {}), JSON.stringify(over).slice(0, 80)).toContain(field)
    }
    // Exactly at the limits is fine.
    const edge = await owner<Json>('POST', '/v2/heartbeats', {
      ...hb({ name: 'n'.repeat(200) }),
      description: 'd'.repeat(10_000),
      alertMessage: 'm'.repeat(130),
      alertTags: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(50, 'x')),
    })
    expect(edge.status).toBe(201)
    const empty = await owner<Json>('POST', '/v2/heartbeats', {})
    expect(empty.status).toBe(422)
    expect(Object.keys(empty.body.errors)).toEqual(
      expect.arrayContaining(['name', 'interval', 'intervalUnit', 'enabled']),
    )
    await owner('POST', '/v2/heartbeats', hb({ name: 'valid-y' }))
    const bad = await owner<Json>('PATCH', '/v2/heartbeats/valid-y', { interval: 0, intervalUnit: 'weeks' })
    expect(bad.status).toBe(422)
    expect(Object.keys(bad.body.errors)).toEqual(expect.arrayContaining(['interval', 'intervalUnit']))
  })

  it('accepts a ping by GET, POST, PUT and PATCH, and records it', async () => {
    await key('POST', '/v2/heartbeats', hb({ name: 'ping-1' }))
    for (const method of ['GET', 'POST', 'PUT', 'PATCH']) {
      clock.advance(1000)
      const r = await key<Json>(method, '/v2/heartbeats/ping-1/ping')
      expect(r.status, method).toBe(202)
      expect(r.body).toMatchObject({ result: 'PONG - Heartbeat received', took: expect.any(Number) })
      expect(r.body.requestId).toEqual(expect.any(String))
      const got = await key<Json>('GET', '/v2/heartbeats/ping-1')
      expect(got.body.data.lastPingTime).toBe(new Date(clock.now()).toISOString())
    }
  })

  it('answers PONG for an unknown name and records nothing', async () => {
    const r = await key<Json>('POST', '/v2/heartbeats/never-created/ping')
    expect(r.status).toBe(202)
    expect(r.body.result).toBe('PONG - Heartbeat received')
    expect((await key('GET', '/v2/heartbeats/never-created')).status).toBe(404)
    const n = await srv.ctx.store.db
      .selectFrom('heartbeats')
      .select('id')
      .where('name', '=', 'never-created')
      .execute()
    expect(n).toEqual([])
  })

  it('lets a key without configuration access ping but not create or change heartbeats', async () => {
    const plain = await integrationKey(srv.teamId)
    await key('POST', '/v2/heartbeats', hb({ name: 'cfg-1' }))
    const create = await plain<Json>('POST', '/v2/heartbeats', hb({ name: 'cfg-2' }))
    expect(create.status).toBe(403)
    expect(create.body.message).toContain('configuration')
    for (const [method, path] of [
      ['PATCH', '/v2/heartbeats/cfg-1'],
      ['DELETE', '/v2/heartbeats/cfg-1'],
      ['POST', '/v2/heartbeats/cfg-1/enable'],
      ['POST', '/v2/heartbeats/cfg-1/disable'],
    ] as const) {
      expect((await plain(method, path, method === 'PATCH' ? { interval: 9 } : undefined)).status).toBe(403)
    }
    clock.advance(5000)
    expect((await plain('GET', '/v2/heartbeats/cfg-1/ping')).status).toBe(202)
    const got = await plain<Json>('GET', '/v2/heartbeats/cfg-1')
    expect(got.status).toBe(200)
    expect(got.body.data.lastPingTime).toBe(new Date(clock.now()).toISOString())
    expect(got.body.data.interval).toBe(5)
    // Even pinging needs no access flag at all.
    const bare = await integrationKey(srv.teamId, { allowReadAccess: false, allowWriteAccess: false })
    clock.advance(1000)
    expect((await bare('POST', '/v2/heartbeats/cfg-1/ping')).status).toBe(202)
    expect((await bare('GET', '/v2/heartbeats/cfg-1')).status).toBe(403)
    const after = await key<Json>('GET', '/v2/heartbeats/cfg-1')
    expect(after.body.data.lastPingTime).toBe(new Date(clock.now()).toISOString())
  })

  it('keeps keys inside their own team', async () => {
    const otherTeam = await team('Key Team B')
    const otherKey = await integrationKey(otherTeam, { allowConfigurationAccess: true })
    await key('POST', '/v2/heartbeats', hb({ name: 'mine-1' }))
    expect((await otherKey('GET', '/v2/heartbeats/mine-1')).status).toBe(404)
    expect((await otherKey('PATCH', '/v2/heartbeats/mine-1', { interval: 9 })).status).toBe(404)
    const list = await otherKey<Json>('GET', '/v2/heartbeats')
    expect(list.body.data.heartbeats).toEqual([])
    // Another team's ping is a PONG that records nothing.
    expect((await otherKey('GET', '/v2/heartbeats/mine-1/ping')).status).toBe(202)
    expect((await key<Json>('GET', '/v2/heartbeats/mine-1')).body.data.lastPingTime).toBeUndefined()
    // Creating for another team is refused; its own team is the default.
    const foreign = await otherKey(
      'POST',
      '/v2/heartbeats',
      hb({ name: 'theirs-1', ownerTeam: { id: srv.teamId } }),
    )
    expect(foreign.status).toBe(403)
    const own = await otherKey<Json>('POST', '/v2/heartbeats', hb({ name: 'theirs-1' }))
    expect(own.status).toBe(201)
    expect(own.body.data.ownerTeam).toEqual({ id: otherTeam, name: 'Key Team B' })
  })

  it('gives sessions their roles: admins all, team admins their team, users read, observers read only', async () => {
    const ops = await team('Ops Heartbeats')
    const teamAdmin = await user('hb-admin@vigil.test', 'user', ops, 'admin')
    const member = await user('hb-member@vigil.test', 'user', ops, 'user')
    const observer = await user('hb-observer@vigil.test', 'observer', ops, 'user')
    const outsider = await user('hb-outsider@vigil.test', 'user')

    const made = await teamAdmin<Json>('POST', '/v2/heartbeats', hb({ name: 'ops-1' }))
    expect(made.status).toBe(201)
    expect(made.body.data.ownerTeam.id).toBe(ops)
    expect(
      (await teamAdmin('POST', '/v2/heartbeats', hb({ name: 'ops-x', ownerTeam: { id: srv.teamId } })))
        .status,
    ).toBe(403)
    expect((await teamAdmin('PATCH', '/v2/heartbeats/ops-1', { interval: 10 })).status).toBe(200)

    expect((await member('GET', '/v2/heartbeats/ops-1')).status).toBe(200)
    expect((await member('PATCH', '/v2/heartbeats/ops-1', { interval: 11 })).status).toBe(403)
    expect(
      (await member('POST', '/v2/heartbeats', hb({ name: 'ops-2', ownerTeam: { name: 'Ops Heartbeats' } })))
        .status,
    ).toBe(403)
    expect((await member('POST', '/v2/heartbeats/ops-1/ping')).status).toBe(202)

    expect((await observer('GET', '/v2/heartbeats/ops-1')).status).toBe(200)
    expect((await observer('POST', '/v2/heartbeats/ops-1/disable')).status).toBe(403)
    expect((await observer('POST', '/v2/heartbeats/ops-1/ping')).status).toBe(403)

    expect((await outsider('GET', '/v2/heartbeats/ops-1')).status).toBe(404)
    expect((await outsider<Json>('GET', '/v2/heartbeats')).body.data.heartbeats).toEqual([])

    expect((await owner('DELETE', '/v2/heartbeats/ops-1')).status).toBe(200)
  })
})
