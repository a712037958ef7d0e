import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>

describe.each(kinds)('Opsgenie Escalation API on $name', ({ name }) => {
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

  const policy = (over: Json = {}) => ({
    name: 'esc',
    rules: [
      {
        condition: 'if-not-acked',
        notifyType: 'default',
        delay: { timeAmount: 0 },
        recipient: { type: 'user', username: TEST_OWNER.email },
      },
    ],
    ...over,
  })

  it('creates, reads, lists, updates and deletes in Opsgenie’s shapes', async () => {
    const created = await owner<Json>('POST', '/v2/escalations', {
      name: 'ops_escalation',
      description: 'first line',
      ownerTeam: { name: 'Default' },
      rules: [
        {
          condition: 'if-not-acked',
          notifyType: 'default',
          delay: { timeAmount: 0, timeUnit: 'minutes' },
          recipient: { type: 'user', username: TEST_OWNER.email },
        },
        {
          condition: 'if-not-closed',
          notifyType: 'all',
          delay: { timeAmount: 1, timeUnit: 'hours' },
          recipient: { type: 'team', name: 'Default' },
        },
      ],
      repeat: { waitInterval: 10, count: 2, resetRecipientStates: true, closeAlertAfterAll: false },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      result: 'Created',
      requestId: expect.any(String),
      took: expect.any(Number),
    })
    const data = created.body.data
    const ownerId = (await owner<Json>('GET', '/api/v1/users?query=owner')).body.data.find(
      (u: Json) => u.username === TEST_OWNER.email,
    ).id
    expect(data).toEqual({
      id: expect.any(String),
      name: 'ops_escalation',
      description: 'first line',
      ownerTeam: { id: srv.teamId, name: 'Default' },
      rules: [
        {
          condition: 'if-not-acked',
          notifyType: 'default',
          delay: { timeAmount: 0, timeUnit: 'minutes' },
          recipient: { type: 'user', id: ownerId, username: TEST_OWNER.email },
        },
        {
          condition: 'if-not-closed',
          notifyType: 'all',
          delay: { timeAmount: 60, timeUnit: 'minutes' },
          recipient: { type: 'team', id: srv.teamId, name: 'Default' },
        },
      ],
      repeat: { waitInterval: 10, count: 2, resetRecipientStates: true, closeAlertAfterAll: false },
    })
    // The answer round-trips: sending it back as a body stores the same policy.
    const { id, ownerTeam: _t, ...body } = data
    const again = await key<Json>('POST', '/v2/escalations', { ...body, name: 'ops_escalation_copy' })
    expect(again.status).toBe(201)
    expect(again.body.data).toEqual({ ...data, id: expect.any(String), name: 'ops_escalation_copy' })

    expect((await key<Json>('GET', `/v2/escalations/${id}`)).body.data).toEqual(data)
    const byName = await key<Json>('GET', '/v2/escalations/ops_escalation?identifierType=name')
    expect(byName.status).toBe(200)
    expect(byName.body.data.id).toBe(id)
    const list = await key<Json>('GET', '/v2/escalations')
    expect(list.body.data.map((e: Json) => e.name)).toEqual(['ops_escalation', 'ops_escalation_copy'])

    const patched = await key<Json>('PATCH', `/v2/escalations/${id}`, {
      description: 'changed',
      rules: [
        { delay: { timeAmount: 5 }, recipient: { type: 'team', id: srv.teamId }, notifyType: 'admins' },
      ],
    })
    expect(patched.status).toBe(200)
    expect(patched.body.data).toMatchObject({
      description: 'changed',
      rules: [
        { condition: 'if-not-acked', notifyType: 'admins', delay: { timeAmount: 5, timeUnit: 'minutes' } },
      ],
      repeat: { waitInterval: 10, count: 2 },
    })
    const renamed = await key<Json>('PATCH', '/v2/escalations/ops_escalation?identifierType=name', {
      name: 'ops2',
    })
    expect(renamed.body.data).toMatchObject({ name: 'ops2', description: 'changed' })

    const del = await key<Json>('DELETE', `/v2/escalations/${id}`)
    expect(del.status).toBe(200)
    expect(del.body.result).toBe('Deleted')
    const gone = await key<Json>('GET', `/v2/escalations/${id}`)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ message: expect.stringContaining(id), requestId: expect.any(String) })
    expect((await key('PATCH', `/v2/escalations/${id}`, { description: 'x' })).status).toBe(404)
    expect((await key('DELETE', `/v2/escalations/${id}`)).status).toBe(404)
  })

  it('answers 409 for a duplicate name, on create and on rename', async () => {
    expect((await key('POST', '/v2/escalations', policy({ name: 'dup-a' }))).status).toBe(201)
    const b = await key<Json>('POST', '/v2/escalations', policy({ name: 'dup-b' }))
    const again = await key<Json>('POST', '/v2/escalations', policy({ name: 'dup-a' }))
    expect(again.status).toBe(409)
    expect(again.body.message).toContain('already exists')
    const rename = await key<Json>('PATCH', `/v2/escalations/${b.body.data.id}`, { name: 'dup-a' })
    expect(rename.status).toBe(409)
  })

  it('validates with a 422 per field', async () => {
    const rule = (over: Json) => ({
      delay: { timeAmount: 0 },
      recipient: { type: 'user', username: TEST_OWNER.email },
      ...over,
    })
    const cases: Array<[Json, string]> = [
      [policy({ name: undefined }), 'name'],
      [policy({ name: '  ' }), 'name'],
      [policy({ rules: [] }), 'rules'],
      [policy({ rules: [rule({ notifyType: 'next' })] }), 'rules[0].notifyType'],
      [
        policy({ rules: [rule({ recipient: { type: 'team', id: srv.teamId }, notifyType: 'default' })] }),
        'rules[0].notifyType',
      ],
      [
        policy({ rules: [rule({ recipient: { type: 'user', username: 'nobody@example.com' } })] }),
        'rules[0].recipient',
      ],
      [
        policy({
          rules: [rule({}), rule({ recipient: { type: 'team', name: 'No Such Team' }, notifyType: 'all' })],
        }),
        'rules[1].recipient',
      ],
      [
        policy({
          rules: [rule({ recipient: { type: 'schedule', name: 'no-such-schedule' }, notifyType: 'default' })],
        }),
        'rules[0].recipient',
      ],
      [policy({ rules: [rule({ recipient: { type: 'group', id: 'x' } })] }), 'rules[0].recipient.type'],
      [policy({ rules: [rule({ delay: { timeAmount: -1 } })] }), 'rules[0].delay.timeAmount'],
      [
        policy({ rules: [rule({ delay: { timeAmount: 8, timeUnit: 'days' } })] }),
        'rules[0].delay.timeAmount',
      ],
      [
        policy({ rules: [rule({ delay: { timeAmount: 10 } }), rule({ delay: { timeAmount: 5 } })] }),
        'rules[1].delay.timeAmount',
      ],
      [policy({ repeat: { waitInterval: 0, count: 1 } }), 'repeat.waitInterval'],
      [policy({ ownerTeam: { name: 'No Such Team' } }), 'ownerTeam'],
    ]
    for (const [body, field] of cases) {
      const r = await owner<Json>(
        'POST',
        '/v2/escalations',
        field === 'name' ? body : { ...body, name: `v-${field}-${Math.random()}` },
      )
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(422)
      expect(Object.keys(r.body.errors ?? {}), JSON.stringify(r.body)).toContain(field)
    }
    expect(
      (await owner<Json>('POST', '/v2/escalations', { ...policy(), name: '   ' })).body.errors,
    ).toHaveProperty('name')
    const bad = await owner<Json>('GET', '/v2/escalations/x?identifierType=tiny')
    expect(bad.status).toBe(422)
  })

  it('enforces access: configuration to change, read to read, own team only', async () => {
    const created = await key<Json>('POST', '/v2/escalations', policy({ name: 'acc-1' }))
    const id = created.body.data.id
    const noConfig = await integrationKey(srv.teamId, { allowConfigurationAccess: false })
    expect((await noConfig('POST', '/v2/escalations', policy({ name: 'acc-2' }))).status).toBe(403)
    expect((await noConfig('PATCH', `/v2/escalations/${id}`, { description: 'x' })).status).toBe(403)
    expect((await noConfig('DELETE', `/v2/escalations/${id}`)).status).toBe(403)
    expect((await noConfig('GET', `/v2/escalations/${id}`)).status).toBe(200)
    const noRead = await integrationKey(srv.teamId, { allowReadAccess: false })
    expect((await noRead('GET', `/v2/escalations/${id}`)).status).toBe(403)
    expect((await noRead('GET', '/v2/escalations')).status).toBe(403)

    const other = await team('Esc Other')
    const otherKey = await integrationKey(other, { allowConfigurationAccess: true })
    expect((await otherKey('GET', `/v2/escalations/${id}`)).status).toBe(404)
    expect((await otherKey<Json>('GET', '/v2/escalations')).body.data).toEqual([])
    expect(
      (await otherKey('POST', '/v2/escalations', policy({ name: 'acc-3', ownerTeam: { id: srv.teamId } })))
        .status,
    ).toBe(403)
    expect((await otherKey('POST', '/v2/escalations', policy({ name: 'acc-4' }))).status).toBe(201)

    const member = await user('esc.member@example.com', 'user', srv.teamId)
    expect((await member('GET', `/v2/escalations/${id}`)).status).toBe(200)
    expect((await member('PATCH', `/v2/escalations/${id}`, { description: 'x' })).status).toBe(403)
    const teamAdmin = await user('esc.admin@example.com', 'user', srv.teamId, 'admin')
    expect((await teamAdmin('PATCH', `/v2/escalations/${id}`, { description: 'by team admin' })).status).toBe(
      200,
    )
    expect(
      (await teamAdmin('POST', '/v2/escalations', policy({ name: 'acc-5', ownerTeam: { id: other } })))
        .status,
    ).toBe(403)
    const outsider = await user('esc.outsider@example.com', 'user', other)
    expect((await outsider('GET', `/v2/escalations/${id}`)).status).toBe(404)
    const observer = await user('esc.observer@example.com', 'observer', srv.teamId)
    expect((await observer('GET', `/v2/escalations/${id}`)).status).toBe(200)
    expect((await observer('DELETE', `/v2/escalations/${id}`)).status).toBe(403)
  })

  it('writes an audit entry for every change', async () => {
    const created = await key<Json>('POST', '/v2/escalations', policy({ name: 'audit-1' }))
    const id = created.body.data.id
    await key('PATCH', `/v2/escalations/${id}`, { description: 'audited' })
    await key('DELETE', `/v2/escalations/${id}`)
    const rows = await srv.ctx.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_type', '=', 'escalation')
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute()
    expect(rows.map((r) => r.action)).toEqual(['create', 'update', 'delete'])
    expect(rows[0]?.actor_kind).toBe('key')
    expect(JSON.parse(rows[1]?.after ?? '{}')).toMatchObject({ description: 'audited' })
    expect(rows[2]?.after).toBeNull()
  })
})
