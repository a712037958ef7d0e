import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { client } from '../support/http'
import { login, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('Opsgenie users, contacts and notification rules on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0))
  let srv: TestServer
  let owner: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
  })
  afterAll(async () => srv?.close())

  /** A user who can log in (made through the admin API, which sets a password). */
  async function person(username: string, role: string) {
    const password = 'a long enough password 1'
    const r = await owner<Json>('POST', '/api/v1/users', { username, fullName: username, role, password })
    expect(r.status).toBe(201)
    // Admin-made users get the same defaults as /v2/users ones; these tests start from none.
    await srv.ctx.store.db.deleteFrom('notification_rules').where('user_id', '=', r.body.data.id).execute()
    await srv.ctx.store.db.deleteFrom('contacts').where('user_id', '=', r.body.data.id).execute()
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

  it('creates, gets, lists, updates and deletes users in Opsgenie’s shapes', async () => {
    const created = await owner<Json>('POST', '/v2/users', {
      username: 'Jane@Example.com',
      fullName: 'Jane Doe',
      role: { name: 'Admin' },
      timeZone: 'Europe/Berlin',
      locale: 'en_US',
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ result: 'Created', data: { username: 'jane@example.com' } })
    const id = created.body.data.id
    const got = await owner<Json>('GET', '/v2/users/jane@example.com')
    expect(got.status).toBe(200)
    expect(got.body.data).toMatchObject({
      id,
      username: 'jane@example.com',
      fullName: 'Jane Doe',
      role: { id: 'Admin', name: 'Admin' },
      timeZone: 'Europe/Berlin',
      blocked: false,
      verified: true,
    })
    expect((await owner<Json>('GET', `/v2/users/${id}`)).body.data.username).toBe('jane@example.com')

    const dup = await owner<Json>('POST', '/v2/users', {
      username: 'jane@example.com',
      fullName: 'J',
      role: { name: 'User' },
    })
    expect(dup.status).toBe(409)

    const patched = await owner<Json>('PATCH', `/v2/users/${id}`, {
      fullName: 'Jane D',
      role: { name: 'Stakeholder' },
    })
    expect(patched.status).toBe(200)
    const after = await owner<Json>('GET', `/v2/users/${id}`)
    expect(after.body.data).toMatchObject({ fullName: 'Jane D', role: { name: 'Stakeholder' } })
    const row = await srv.ctx.store.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.role).toBe('observer')

    const del = await owner<Json>('DELETE', '/v2/users/jane@example.com')
    expect(del.status).toBe(200)
    expect((await owner('GET', `/v2/users/${id}`)).status).toBe(404)
    const entries = await audit('user', id)
    expect(entries.map((e) => e.action)).toEqual(['create', 'update', 'delete'])
  })

  it('lists with limit, offset, sort, order and query', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) {
      const r = await owner('POST', '/v2/users', {
        username: `${n}@x.io`,
        fullName: n.toUpperCase(),
        role: { name: 'User' },
      })
      expect(r.status).toBe(201)
    }
    const page = await owner<Json>('GET', '/v2/users?query=list-&limit=2&offset=0&sort=username&order=desc')
    expect(page.status).toBe(200)
    expect(page.body.totalCount).toBe(3)
    expect(page.body.data.map((u: Json) => u.username)).toEqual(['list-c@x.io', 'list-b@x.io'])
    expect(page.body.paging.next).toContain('offset=2')
    const rest = await owner<Json>(
      'GET',
      '/v2/users?query=username:list-&limit=2&offset=2&sort=username&order=desc',
    )
    expect(rest.body.data.map((u: Json) => u.username)).toEqual(['list-a@x.io'])
    expect(rest.body.paging.next).toBeUndefined()
  })

  it('validates bodies with 422', async () => {
    const bad = [
      { username: 'nope', fullName: 'x', role: { name: 'User' } },
      { username: 'r@x.io', fullName: 'x', role: { name: 'Wizard' } },
      { username: 'tz@x.io', fullName: 'x', role: { name: 'User' }, timeZone: 'Mars/Base' },
      { username: 'nr@x.io', fullName: 'x' },
    ]
    for (const body of bad) {
      const r = await owner<Json>('POST', '/v2/users', body)
      expect(r.status, JSON.stringify(body)).toBe(422)
    }
    expect((await owner('GET', '/v2/users/nobody@x.io')).status).toBe(404)
  })

  it('applies the admin rules: admins manage users, only owners owners, the last owner stays', async () => {
    const admin = await person('admin1@x.io', 'admin')
    const plain = await person('plain1@x.io', 'user')
    expect(
      (await plain.call('POST', '/v2/users', { username: 'z@x.io', fullName: 'z', role: { name: 'User' } }))
        .status,
    ).toBe(403)
    expect((await plain.call<Json>('GET', '/v2/users/admin1@x.io')).status).toBe(200)
    expect((await plain.call('PATCH', '/v2/users/plain1@x.io', { fullName: 'Plain One' })).status).toBe(200)
    expect((await plain.call('PATCH', '/v2/users/plain1@x.io', { role: { name: 'Admin' } })).status).toBe(403)
    expect((await plain.call('PATCH', '/v2/users/admin1@x.io', { fullName: 'x' })).status).toBe(403)
    expect(
      (await admin.call('POST', '/v2/users', { username: 'o2@x.io', fullName: 'o', role: { name: 'Owner' } }))
        .status,
    ).toBe(403)
    expect((await admin.call('DELETE', `/v2/users/${TEST_OWNER.email}`)).status).toBe(403)
    expect((await owner('PATCH', `/v2/users/${TEST_OWNER.email}`, { role: { name: 'Admin' } })).status).toBe(
      409,
    )
    expect((await owner('DELETE', `/v2/users/${TEST_OWNER.email}`)).status).toBe(409)
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    expect(
      (await key('POST', '/v2/users', { username: 'k@x.io', fullName: 'k', role: { name: 'User' } })).status,
    ).toBe(403)
  })

  it('gives new users a default e-mail contact and notification rules', async () => {
    const r = await owner<Json>('POST', '/v2/users', {
      username: 'fresh@x.io',
      fullName: 'Fresh',
      role: { name: 'User' },
    })
    expect(r.status).toBe(201)
    const contacts = await owner<Json>('GET', '/v2/users/fresh@x.io/contacts')
    expect(contacts.body.data).toEqual([
      { id: expect.any(String), method: 'email', to: 'fresh@x.io', status: { enabled: true } },
    ])
    const rules = await owner<Json>('GET', '/v2/users/fresh@x.io/notification-rules')
    expect(rules.body.data).toHaveLength(2)
    // Only the first matching rule applies, so the P1/P2 rule comes first and also has the console step.
    expect(rules.body.data[0]).toMatchObject({
      actionType: 'create-alert',
      criteria: {
        type: 'match-any-condition',
        conditions: [{ expectedValue: 'P1' }, { expectedValue: 'P2' }],
      },
      steps: [
        { contact: { method: 'desktop' }, sendAfter: { timeAmount: 0 }, enabled: true },
        { contact: { method: 'email', to: 'fresh@x.io' }, sendAfter: { timeAmount: 1 } },
      ],
      order: 0,
      enabled: true,
    })
    expect(rules.body.data[1]).toMatchObject({
      actionType: 'create-alert',
      criteria: { type: 'match-all' },
      steps: [{ contact: { method: 'desktop' }, sendAfter: { timeAmount: 0 }, enabled: true }],
      order: 1,
      enabled: true,
    })
    expect(await audit('contact', contacts.body.data[0].id)).toHaveLength(1)
    expect(await audit('notification-rule', rules.body.data[0].id)).toHaveLength(1)
  })

  it('manages contacts with validation and enable/disable', async () => {
    const me = await person('contact1@x.io', 'user')
    const base = '/v2/users/contact1@x.io/contacts'
    const sms = await me.call<Json>('POST', base, { method: 'sms', to: '+4930123456' })
    expect(sms.status).toBe(201)
    const id = sms.body.data.id
    expect((await me.call<Json>('GET', `${base}/${id}`)).body.data).toEqual({
      id,
      method: 'sms',
      to: '+4930123456',
      status: { enabled: true },
    })
    for (const body of [
      { method: 'sms', to: '030 123' },
      { method: 'voice', to: '12345' },
      { method: 'email', to: 'not-mail' },
      { method: 'webhook', to: 'ftp://x.io/h' },
      { method: 'pager', to: 'x' },
    ]) {
      expect((await me.call('POST', base, body)).status, JSON.stringify(body)).toBe(422)
    }
    expect((await me.call('POST', base, { method: 'webhook', to: 'https://hooks.x.io/a' })).status).toBe(201)
    expect((await me.call('POST', base, { method: 'sms', to: '+4930123456' })).status).toBe(409)
    const dis = await me.call<Json>('POST', `${base}/${id}/disable`)
    expect(dis.body.data.status.enabled).toBe(false)
    expect((await me.call<Json>('POST', `${base}/${id}/enable`)).body.data.status).toEqual({ enabled: true })
    const patched = await me.call<Json>('PATCH', `${base}/${id}`, { to: '+4930999999' })
    expect(patched.status).toBe(200)
    expect(patched.body.data.to).toBe('+4930999999')
    expect((await me.call('PATCH', `${base}/${id}`, { to: 'x' })).status).toBe(422)
    expect((await me.call<Json>('GET', base)).body.data).toHaveLength(2)
    expect((await me.call('DELETE', `${base}/${id}`)).status).toBe(200)
    expect((await me.call('GET', `${base}/${id}`)).status).toBe(404)
    expect((await audit('contact', id)).map((e) => e.action)).toEqual([
      'create',
      'update',
      'update',
      'update',
      'delete',
    ])

    // Others' contacts: admins yes, plain users no.
    const other = await person('contact2@x.io', 'user')
    expect((await other.call('GET', base)).status).toBe(403)
    expect((await other.call('POST', base, { method: 'email', to: 'a@b.io' })).status).toBe(403)
    expect((await owner('POST', base, { method: 'email', to: 'a@b.io' })).status).toBe(201)
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    expect((await key('GET', base)).status).toBe(403)
  })

  it('manages notification rules: CRUD, validation, order, enable/disable', async () => {
    const me = await person('rules1@x.io', 'user')
    const base = '/v2/users/rules1@x.io/notification-rules'
    await me.call('POST', '/v2/users/rules1@x.io/contacts', { method: 'sms', to: '+15550001111' })
    const body = {
      name: 'Critical at night',
      actionType: 'create-alert',
      criteria: {
        type: 'match-all-conditions',
        conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
      },
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 22, startMin: 0, endHour: 6, endMin: 0 },
      },
      steps: [
        { contact: { method: 'sms', to: '+15550001111' }, sendAfter: { timeAmount: 0 }, enabled: true },
      ],
      repeat: { loopAfter: 10, enabled: true },
    }
    const a = await me.call<Json>('POST', base, body)
    expect(a.status, JSON.stringify(a.body)).toBe(201)
    const got = await me.call<Json>('GET', `${base}/${a.body.data.id}`)
    expect(got.body.data).toMatchObject({ ...body, order: 0, enabled: true })
    const b = await me.call<Json>('POST', base, { name: 'First', actionType: 'closed-alert', order: 0 })
    expect(b.status).toBe(201)
    let list = await me.call<Json>('GET', base)
    expect(list.body.data.map((r: Json) => [r.name, r.order])).toEqual([
      ['First', 0],
      ['Critical at night', 1],
    ])
    const moved = await me.call<Json>('POST', `${base}/${b.body.data.id}/change-order`, { order: 5 })
    expect(moved.status).toBe(200)
    list = await me.call<Json>('GET', base)
    expect(list.body.data.map((r: Json) => r.name)).toEqual(['Critical at night', 'First'])

    const invalid = [
      {
        ...body,
        criteria: {
          type: 'match-all-conditions',
          conditions: [{ field: 'tags', operation: 'equals', expectedValue: 'x' }],
        },
      },
      { ...body, steps: [{ contact: { method: 'sms', to: '+19999999999' } }] },
      { ...body, actionType: 'schedule-start' },
      { ...body, actionType: 'explode' },
      { ...body, timeRestriction: { type: 'sometimes' } },
    ]
    for (const x of invalid) expect((await me.call('POST', base, x)).status, JSON.stringify(x)).toBe(422)

    const id = a.body.data.id
    const upd = await me.call<Json>('PATCH', `${base}/${id}`, { name: 'Renamed', repeat: { loopAfter: 5 } })
    expect(upd.status).toBe(200)
    expect(upd.body.data).toMatchObject({
      name: 'Renamed',
      repeat: { loopAfter: 5, enabled: true },
      order: 0,
    })
    expect((await me.call<Json>('POST', `${base}/${id}/disable`)).body.data.enabled).toBe(false)
    expect((await me.call<Json>('POST', `${base}/${id}/enable`)).body.data.enabled).toBe(true)
    expect((await me.call('DELETE', `${base}/${id}`)).status).toBe(200)
    list = await me.call<Json>('GET', base)
    expect(list.body.data.map((r: Json) => [r.name, r.order])).toEqual([['First', 0]])
    expect((await audit('notification-rule', id)).map((e) => e.action)).toEqual([
      'create',
      'update',
      'update',
      'update',
      'delete',
    ])
    const other = await person('rules2@x.io', 'user')
    expect((await other.call('GET', base)).status).toBe(403)
    expect((await owner<Json>('GET', base)).status).toBe(200)
  })
})
