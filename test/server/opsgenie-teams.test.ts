import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { client } from '../support/http'
import { login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('Opsgenie teams on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0))
  let srv: TestServer
  let owner: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
  })
  afterAll(async () => srv?.close())

  async function person(username: string, role = 'user') {
    const password = 'a long enough password 1'
    const r = await owner<Json>('POST', '/api/v1/users', { username, fullName: username, role, password })
    expect(r.status).toBe(201)
    return {
      id: r.body.data.id as string,
      call: client(srv.url, `Bearer ${await login(srv.url, username, password)}`),
    }
  }

  async function audit(entityType: string, entityId?: string) {
    let q = srv.ctx.store.db.selectFrom('audit_log').selectAll().where('entity_type', '=', entityType)
    if (entityId) q = q.where('entity_id', '=', entityId)
    return q.orderBy('id').execute()
  }

  it('creates, gets, lists, updates and deletes teams in Opsgenie’s shapes', async () => {
    const ann = await person('ann@x.io')
    const bob = await person('bob@x.io')
    const created = await owner<Json>('POST', '/v2/teams', {
      name: 'ops',
      description: 'operations',
      members: [{ user: { username: 'ann@x.io' }, role: 'admin' }, { user: { id: bob.id } }],
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ result: 'Created', data: { id: expect.any(String), name: 'ops' } })
    const id = created.body.data.id
    const got = await owner<Json>('GET', '/v2/teams/ops?identifierType=name')
    expect(got.status).toBe(200)
    expect(got.body.data).toEqual({
      id,
      name: 'ops',
      description: 'operations',
      members: [
        { user: { id: ann.id, username: 'ann@x.io' }, role: 'admin' },
        { user: { id: bob.id, username: 'bob@x.io' }, role: 'user' },
      ],
    })
    const list = await owner<Json>('GET', '/v2/teams')
    expect(list.body.data).toContainEqual({ id, name: 'ops', description: 'operations' })
    expect((await owner('POST', '/v2/teams', { name: 'ops' })).status).toBe(409)
    expect(
      (await owner('POST', '/v2/teams', { name: 'x', members: [{ user: { username: 'no@x.io' } }] })).status,
    ).toBe(422)
    expect((await owner('POST', '/v2/teams', { name: ' ' })).status).toBe(422)
    expect((await owner('GET', '/v2/teams/nope?identifierType=name')).status).toBe(404)

    const patched = await owner<Json>('PATCH', `/v2/teams/${id}`, {
      description: 'ops team',
      members: [{ user: { username: 'bob@x.io' }, role: 'admin' }],
    })
    expect(patched.status).toBe(200)
    const after = await owner<Json>('GET', `/v2/teams/${id}`)
    expect(after.body.data.description).toBe('ops team')
    expect(after.body.data.members).toEqual([{ user: { id: bob.id, username: 'bob@x.io' }, role: 'admin' }])
    await owner('POST', '/v2/teams', { name: 'other' })
    expect((await owner('PATCH', `/v2/teams/${id}`, { name: 'other' })).status).toBe(409)

    expect((await owner('DELETE', '/v2/teams/ops?identifierType=name')).status).toBe(200)
    expect((await owner('GET', `/v2/teams/${id}`)).status).toBe(404)
    expect((await audit('team', id)).map((e) => e.action)).toEqual(['create', 'update', 'delete'])
    const members = await audit('team-member')
    expect(members.filter((e) => e.entity_id.startsWith(id)).map((e) => e.action)).toEqual([
      'add-member',
      'add-member',
      'remove-member',
      'update',
    ])
  })

  it('adds and removes members; team admins manage their own team only', async () => {
    const lead = await person('lead@x.io')
    const dev = await person('dev@x.io')
    const t = await owner<Json>('POST', '/v2/teams', {
      name: 'web',
      members: [{ user: { id: lead.id }, role: 'admin' }],
    })
    const other = await owner<Json>('POST', '/v2/teams', { name: 'db' })
    expect(t.status).toBe(201)
    const add = await lead.call<Json>('POST', '/v2/teams/web/members?teamIdentifierType=name', {
      user: { username: 'dev@x.io' },
      role: 'user',
    })
    expect(add.status).toBe(201)
    expect(add.body).toMatchObject({ result: 'Added', data: { user: { id: dev.id }, role: 'user' } })
    const again = await lead.call<Json>('POST', `/v2/teams/${t.body.data.id}/members`, {
      user: { id: dev.id },
      role: 'admin',
    })
    expect(again.status).toBe(200)
    expect(
      (await lead.call('POST', `/v2/teams/${other.body.data.id}/members`, { user: { id: dev.id } })).status,
    ).toBe(403)
    expect((await dev.call('DELETE', `/v2/teams/${other.body.data.id}/members/lead@x.io`)).status).toBe(403)
    expect((await lead.call('POST', '/v2/teams', { name: 'mine' })).status).toBe(403)
    expect((await lead.call('DELETE', `/v2/teams/${t.body.data.id}`)).status).toBe(403)
    expect(
      (await lead.call('POST', `/v2/teams/${t.body.data.id}/members`, { user: { username: 'ghost@x.io' } }))
        .status,
    ).toBe(422)
    const rm = await lead.call<Json>('DELETE', `/v2/teams/${t.body.data.id}/members/dev@x.io`)
    expect(rm.status).toBe(200)
    expect((await lead.call('DELETE', `/v2/teams/${t.body.data.id}/members/${dev.id}`)).status).toBe(404)
    const entries = (await audit('team-member', `${t.body.data.id}:${dev.id}`)).map((e) => e.action)
    expect(entries).toEqual(['add-member', 'update', 'remove-member'])
  })

  it('lets keys with configuration access read and manage only their own team', async () => {
    const k = await owner<Json>('POST', '/api/v1/integrations', {
      name: 'cfg',
      type: 'API',
      teamId: srv.teamId,
      allowConfigurationAccess: true,
      allowReadAccess: true,
      allowWriteAccess: true,
    })
    expect(k.status).toBe(201)
    const key = client(srv.url, `GenieKey ${k.body.data.apiKey}`)
    const list = await key<Json>('GET', '/v2/teams')
    expect(list.status).toBe(200)
    expect(list.body.data.map((t: Json) => t.id)).toEqual([srv.teamId])
    const m = await person('keyed@x.io')
    expect((await key('POST', `/v2/teams/${srv.teamId}/members`, { user: { id: m.id } })).status).toBe(201)
    const other = await owner<Json>('POST', '/v2/teams', { name: 'not-yours' })
    expect((await key('GET', `/v2/teams/${other.body.data.id}`)).status).toBe(403)
    expect(
      (await key('POST', `/v2/teams/${other.body.data.id}/members`, { user: { id: m.id } })).status,
    ).toBe(403)
    expect((await key('POST', '/v2/teams', { name: 'by-key' })).status).toBe(403)
    const plainKey = await owner<Json>('POST', '/api/v1/integrations', {
      name: 'plain',
      type: 'API',
      teamId: srv.teamId,
    })
    const pk = client(srv.url, `GenieKey ${plainKey.body.data.apiKey}`)
    expect((await pk('GET', '/v2/teams')).status).toBe(403)
  })

  it('refuses to delete a team that still has alerts', async () => {
    const t = await owner<Json>('POST', '/v2/teams', { name: 'alerting' })
    const k = await owner<Json>('POST', '/api/v1/integrations', {
      name: 'al',
      type: 'API',
      teamId: t.body.data.id,
    })
    const key = client(srv.url, `GenieKey ${k.body.data.apiKey}`)
    expect((await key('POST', '/v2/alerts', { message: 'boom' })).status).toBe(202)
    for (let i = 0; i < 100; i++) {
      const a = await srv.ctx.store.db
        .selectFrom('alerts')
        .select('id')
        .where('team_id', '=', t.body.data.id)
        .executeTakeFirst()
      if (a) break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect((await owner('DELETE', `/v2/teams/${t.body.data.id}`)).status).toBe(409)
  })
})
