import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, client } from '../support/http'
import { startTestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>

const kinds = await storeKinds()

describe.each(kinds)('Opsgenie Alert API v2 on $name', ({ name }) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  let api: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
    api = client(srv.url, `GenieKey ${srv.apiKey}`)
  })
  afterAll(async () => srv?.close())

  async function create(body: Json) {
    const r = await api<Json>('POST', '/v2/alerts', body)
    expect(r.status).toBe(202)
    const status = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
    expect(status.status).toBe(200)
    return status.body.data
  }

  it('creates an alert and answers 202 with Opsgenie’s envelope only after it is stored', async () => {
    const r = await api<Json>('POST', '/v2/alerts', {
      message: 'Disk full on db-1',
      alias: 'disk-db-1',
      priority: 'P2',
      tags: ['db', 'disk'],
      details: { host: 'db-1', pct: 97 },
    })
    expect(r.status).toBe(202)
    expect(r.body.result).toBe('Request will be processed')
    expect(typeof r.body.took).toBe('number')
    expect(r.body.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.headers.get('x-request-id')).toBe(r.body.requestId)
    const st = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
    expect(st.body.data).toMatchObject({
      success: true,
      isSuccess: true,
      action: 'Create',
      status: 'Created alert',
      alias: 'disk-db-1',
    })
    const got = await api<Json>('GET', `/v2/alerts/${st.body.data.alertId}`)
    expect(got.status).toBe(200)
    expect(got.body.data).toMatchObject({
      message: 'Disk full on db-1',
      alias: 'disk-db-1',
      status: 'open',
      priority: 'P2',
      count: 1,
      tags: ['db', 'disk'],
      details: { host: 'db-1', pct: '97' },
      acknowledged: false,
    })
    expect(got.body.data.createdAt).toMatch(/Z$/)
  })

  it('deduplicates on an open alias: count + 1, message and description untouched', async () => {
    const a = await create({ message: 'first', alias: 'dedup-1', description: 'd1' })
    const b = await create({ message: 'second', alias: 'dedup-1', description: 'd2' })
    expect(b.alertId).toBe(a.alertId)
    expect(b.status).toBe('Alert deduplicated')
    const got = await api<Json>('GET', '/v2/alerts/dedup-1?identifierType=alias')
    expect(got.body.data).toMatchObject({ message: 'first', description: 'd1', count: 2 })
    const logs = await api<Json>('GET', `/v2/alerts/${a.alertId}/logs`)
    expect(logs.body.data.map((l: Json) => l.log).join('\n')).toContain('second')
    // Closed, the same alias makes a new alert.
    await api('POST', '/v2/alerts/dedup-1/close?identifierType=alias', {})
    const c = await create({ message: 'third', alias: 'dedup-1' })
    expect(c.alertId).not.toBe(a.alertId)
  })

  it('gets by id, alias and tiny id; alias names only the open alert', async () => {
    const a = await create({ message: 'lookup', alias: 'look-1' })
    const byId = await api<Json>('GET', `/v2/alerts/${a.alertId}?identifierType=id`)
    const tiny = byId.body.data.tinyId
    const byTiny = await api<Json>('GET', `/v2/alerts/${tiny}?identifierType=tiny`)
    expect(byTiny.body.data.id).toBe(a.alertId)
    const byAlias = await api<Json>('GET', '/v2/alerts/look-1?identifierType=alias')
    expect(byAlias.body.data.id).toBe(a.alertId)
    await api('POST', `/v2/alerts/${a.alertId}/close`, { user: 'ops' })
    const gone = await api<Json>('GET', '/v2/alerts/look-1?identifierType=alias')
    expect(gone.status).toBe(404)
    expect(gone.body.message).toBe('Alert does not exist')
    const bad = await api<Json>('GET', `/v2/alerts/${a.alertId}?identifierType=bogus`)
    expect(bad.status).toBe(422)
  })

  it('answers 202 for a close of an unknown alias, and the request status says it failed', async () => {
    const r = await api<Json>('POST', '/v2/alerts/no-such-alias/close?identifierType=alias', { source: 'am' })
    expect(r.status).toBe(202)
    const st = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
    expect(st.body.data).toMatchObject({
      success: false,
      isSuccess: false,
      status: 'Alert does not exist',
      alertId: '',
      alias: '',
    })
  })

  it('applies every action and logs each', async () => {
    const a = await create({ message: 'actions', alias: 'act-1', tags: ['x'] })
    const id = a.alertId
    const steps: Array<[string, string, Json | undefined]> = [
      ['POST', `/v2/alerts/${id}/acknowledge`, { user: 'alice', note: 'on it' }],
      ['POST', `/v2/alerts/${id}/unacknowledge`, {}],
      ['POST', `/v2/alerts/${id}/tags`, { tags: ['y', 'z'] }],
      ['DELETE', `/v2/alerts/${id}/tags?tags=x,z`, undefined],
      ['POST', `/v2/alerts/${id}/details`, { details: { a: '1', b: '2' } }],
      ['DELETE', `/v2/alerts/${id}/details?keys=b`, undefined],
      ['POST', `/v2/alerts/${id}/notes`, { note: 'a note' }],
      ['POST', `/v2/alerts/${id}/responders`, { responder: { type: 'user', username: 'bob@example.com' } }],
      ['POST', `/v2/alerts/${id}/teams`, { team: { name: 'Default' } }],
      ['POST', `/v2/alerts/${id}/escalate`, { escalation: { name: 'ops' } }],
      ['PUT', `/v2/alerts/${id}/message`, { message: 'new message' }],
      ['PUT', `/v2/alerts/${id}/description`, { description: 'new description' }],
      ['PUT', `/v2/alerts/${id}/priority`, { priority: 'P1' }],
      ['POST', `/v2/alerts/${id}/acknowledge/`, { user: 'carol' }],
      ['POST', `/v2/alerts/${id}/acknowledge`, {}],
    ]
    for (const [method, path, body] of steps) {
      const r = await api<Json>(method, path, body)
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(202)
      const st = await api<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
      expect(st.body.data.success, `${method} ${path}: ${st.body.data.status}`).toBe(true)
    }
    const got = (await api<Json>('GET', `/v2/alerts/${id}`)).body.data
    expect(got).toMatchObject({
      acknowledged: true,
      tags: ['y'],
      details: { a: '1' },
      message: 'new message',
      description: 'new description',
      priority: 'P1',
    })
    expect(got.report.acknowledgedBy).toBe('carol')
    expect(got.responders).toEqual(
      expect.arrayContaining([
        { type: 'user', username: 'bob@example.com' },
        { type: 'team', name: 'Default' },
      ]),
    )
    const notes = (await api<Json>('GET', `/v2/alerts/${id}/notes`)).body.data
    expect(notes.map((n: Json) => n.note)).toEqual(['on it', 'a note'])
    const logs = (await api<Json>('GET', `/v2/alerts/${id}/logs?limit=100`)).body.data
    expect(logs.length).toBeGreaterThanOrEqual(steps.length)
    // Paging by offset returns the rest in order.
    const page1 = (await api<Json>('GET', `/v2/alerts/${id}/logs?limit=3`)).body
    const page2 = (await api<Json>('GET', `/v2/alerts/${id}/logs?limit=3&offset=${page1.data[2].offset}`))
      .body
    expect(page2.data[0].offset).toBe(logs[3].offset)
  })

  it('assigns an existing user and fails the request for an unknown one', async () => {
    const a = await create({ message: 'assign me' })
    const r1 = await api<Json>('POST', `/v2/alerts/${a.alertId}/assign`, {
      owner: { username: 'owner@vigil.test' },
    })
    expect((await api<Json>('GET', `/v2/alerts/requests/${r1.body.requestId}`)).body.data.success).toBe(true)
    expect((await api<Json>('GET', `/v2/alerts/${a.alertId}`)).body.data.owner).toBe('owner@vigil.test')
    const r2 = await api<Json>('POST', `/v2/alerts/${a.alertId}/assign`, { owner: { username: 'nobody@x' } })
    expect((await api<Json>('GET', `/v2/alerts/requests/${r2.body.requestId}`)).body.data.success).toBe(false)
  })

  it('snoozes until endTime and rejects a malformed endTime with 422', async () => {
    const a = await create({ message: 'snooze me' })
    const end = new Date(Date.now() + 3600_000).toISOString()
    await api('POST', `/v2/alerts/${a.alertId}/snooze`, { endTime: end })
    const got = (await api<Json>('GET', `/v2/alerts/${a.alertId}`)).body.data
    expect(got.snoozed).toBe(true)
    expect(got.snoozedUntil).toBe(end)
    const bad = await api<Json>('POST', `/v2/alerts/${a.alertId}/snooze`, { endTime: 'tomorrow' })
    expect(bad.status).toBe(422)
    expect(bad.body.errors.endTime).toMatch(/ISO-8601/)
  })

  it('lists with query, paging, sort and order, and counts', async () => {
    for (let i = 0; i < 5; i++)
      await create({
        message: `list-${i}`,
        alias: `list-${i}`,
        tags: ['listing', i % 2 ? 'odd' : 'even'],
        priority: `P${(i % 5) + 1}`,
      })
    const r = await api<Json>('GET', '/v2/alerts?query=tag:listing%20AND%20tag:odd&sort=createdAt&order=asc')
    expect(r.status).toBe(200)
    expect(r.body.data.map((a: Json) => a.message)).toEqual(['list-1', 'list-3'])
    expect(r.body.data[0].description).toBeUndefined()
    const page = await api<Json>('GET', '/v2/alerts?query=tag:listing&limit=2&offset=2&order=asc')
    expect(page.body.data.map((a: Json) => a.message)).toEqual(['list-2', 'list-3'])
    expect(page.body.paging.next).toContain('offset=4')
    const count = await api<Json>('GET', '/v2/alerts/count?query=tag:listing%20AND%20NOT%20priority:P1')
    expect(count.body.data.count).toBe(4)
    const bad = await api<Json>('GET', '/v2/alerts?query=nosuchfield:1')
    expect(bad.status).toBe(422)
    expect(bad.body.message).toMatch(/unknown field/)
    const badLimit = await api<Json>('GET', '/v2/alerts?limit=101')
    expect(badLimit.status).toBe(422)
    const badSort = await api<Json>('GET', '/v2/alerts?sort=nope')
    expect(badSort.status).toBe(422)
  })

  it('deletes an alert', async () => {
    const a = await create({ message: 'delete me' })
    const r = await call<Json>(srv.url, 'DELETE', `/v2/alerts/${a.alertId}?user=x`, {
      auth: `GenieKey ${srv.apiKey}`,
    })
    expect(r.status).toBe(202)
    expect((await api<Json>('GET', `/v2/alerts/${a.alertId}`)).status).toBe(404)
  })

  it('cuts fields to Opsgenie’s limits and is lenient with priority', async () => {
    const long = 'x'.repeat(200)
    const a = await create({ message: `😀${long}`, priority: 'urgent', source: '' })
    const got = (await api<Json>('GET', `/v2/alerts/${a.alertId}`)).body.data
    expect(Array.from(got.message as string)).toHaveLength(130)
    expect(got.priority).toBe('P3')
    expect(got.source).toBe('127.0.0.1')
  })

  it('answers errors as JSON: 400, 401, 403-free 404, 413, 422 per field', async () => {
    const bad = await call<Json>(srv.url, 'POST', '/v2/alerts', {
      auth: `GenieKey ${srv.apiKey}`,
      raw: '{"message": ',
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({
      message: expect.any(String),
      took: expect.any(Number),
      requestId: expect.any(String),
    })
    const unauth = await call<Json>(srv.url, 'POST', '/v2/alerts', {
      auth: 'GenieKey nope',
      body: { message: 'x' },
    })
    expect(unauth.status).toBe(401)
    expect(unauth.body.requestId).toBeTruthy()
    const none = await call<Json>(srv.url, 'GET', '/v2/alerts')
    expect(none.status).toBe(401)
    const semantic = await api<Json>('POST', '/v2/alerts', {
      message: 5,
      tags: 'x',
      responders: [{ type: 'robot', id: 'r' }],
    })
    expect(semantic.status).toBe(422)
    expect(Object.keys(semantic.body.errors)).toEqual(expect.arrayContaining(['message', 'tags']))
    const tooMany = await api<Json>('POST', '/v2/alerts', {
      message: 'm',
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
    })
    expect(tooMany.status).toBe(422)
    expect(tooMany.body.errors.tags).toMatch(/at most 20/)
    const big = await api<Json>('POST', '/v2/alerts', { message: 'm', description: 'd'.repeat(300 * 1024) })
    expect(big.status).toBe(413)
    const missing = await api<Json>('GET', '/v2/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.body.message).toBeTruthy()
  })

  it('tolerates a path prefix, trailing slashes and a missing Content-Type', async () => {
    const r = await call<Json>(srv.url, 'POST', '/opsgenie/v2/alerts/', {
      auth: `GenieKey ${srv.apiKey}`,
      raw: JSON.stringify({ message: 'prefixed', alias: 'prefixed-1' }),
      headers: { 'content-type': 'text/plain' },
    })
    expect(r.status).toBe(202)
    const got = await api<Json>('GET', '/v2/alerts/prefixed-1/?identifierType=alias')
    expect(got.body.data.message).toBe('prefixed')
  })

  it('serves sessions by role: owners see everything, members their teams, observers only read', async () => {
    const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    const made = await owner<Json>('POST', '/v2/alerts', { message: 'by the owner', alias: 'owner-1' })
    expect(made.status).toBe(202)
    const st = (await owner<Json>('GET', `/v2/alerts/requests/${made.body.requestId}`)).body.data
    expect(st.success).toBe(true)
    expect((await owner<Json>('GET', '/v2/alerts?query=alias:owner-1')).body.data).toHaveLength(1)
    expect(
      (await owner<Json>('POST', '/v2/alerts/owner-1/acknowledge?identifierType=alias', {})).status,
    ).toBe(202)

    const login = async (username: string, role: string) => {
      const password = 'a long enough password 1'
      const u = await owner<Json>('POST', '/api/v1/users', { username, fullName: username, role, password })
      expect(u.status, JSON.stringify(u.body)).toBe(201)
      const r = await call<Json>(srv.url, 'POST', '/api/v1/auth/login', { body: { username, password } })
      return { id: u.body.data.id as string, api: client(srv.url, `Bearer ${r.body.data.token}`) }
    }
    const observer = await login(`observer-${name}@vigil.test`, 'observer')
    expect((await observer.api<Json>('POST', '/v2/alerts', { message: 'nope' })).status).toBe(403)
    expect(
      (await observer.api<Json>('POST', '/v2/alerts/owner-1/close?identifierType=alias', {})).status,
    ).toBe(403)
    // Not a member of any team: sees nothing, creates nothing.
    const outsider = await login(`outsider-${name}@vigil.test`, 'user')
    expect((await outsider.api<Json>('GET', '/v2/alerts?query=alias:owner-1')).body.data).toHaveLength(0)
    expect((await outsider.api<Json>('POST', '/v2/alerts', { message: 'no team' })).status).toBe(422)
    // Once a member of the team, the same user sees and acts on its alerts.
    const added = await owner<Json>('POST', `/api/v1/teams/${srv.teamId}/members`, {
      user: { id: outsider.id },
      role: 'user',
    })
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)
    expect((await outsider.api<Json>('GET', '/v2/alerts?query=alias:owner-1')).body.data).toHaveLength(1)
  })
})
