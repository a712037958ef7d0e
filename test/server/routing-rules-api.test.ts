import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { routeForTeam } from '../../server/routing/rules'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { login, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>

describe.each(kinds)('Opsgenie team routing rules on $name', ({ name }) => {
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

  let teams = 0
  async function team(): Promise<{ id: string; name: string }> {
    const teamName = `RR Team ${++teams}`
    const r = await owner<Json>('POST', '/api/v1/teams', { name: teamName })
    expect(r.status).toBe(201)
    return { id: r.body.data.id, name: teamName }
  }

  async function escalation(escName: string, teamId: string): Promise<string> {
    const r = await owner<Json>('POST', '/v2/escalations', {
      name: escName,
      ownerTeam: { id: teamId },
      rules: [{ delay: { timeAmount: 0 }, recipient: { type: 'user', username: TEST_OWNER.email } }],
    })
    expect(r.status).toBe(201)
    return r.body.data.id
  }

  async function user(username: string, role: string, teamId: string, teamRole = 'user') {
    const password = 'a long enough password 1'
    expect(
      (await owner('POST', '/api/v1/users', { username, fullName: username, role, password })).status,
    ).toBe(201)
    const m = await owner('POST', `/api/v1/teams/${teamId}/members`, { user: { username }, role: teamRole })
    expect(m.status).toBe(201)
    return client(srv.url, `Bearer ${await login(srv.url, username, password)}`)
  }

  const p1 = {
    type: 'match-all-conditions',
    conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
  }
  const names = async (path: string) =>
    ((await owner<Json>('GET', path)).body.data as Json[]).map((r) => `${r.order}:${r.name}`)

  it('creates the default rule lazily, with the team default escalation, and does CRUD in Opsgenie’s shape', async () => {
    const t = await team()
    const defaultEsc = await escalation(`${t.name}_escalation`, t.id)
    const base = `/v2/teams/${t.id}/routing-rules`
    const list = await owner<Json>('GET', base)
    expect(list.status).toBe(200)
    expect(list.body.data).toEqual([
      {
        id: expect.any(String),
        name: 'Default Rule',
        isDefault: true,
        order: 0,
        criteria: { type: 'match-all' },
        timezone: 'UTC',
        notify: { type: 'escalation', id: defaultEsc, name: `${t.name}_escalation` },
      },
    ])
    const other = await escalation(`${t.name} P1`, t.id)
    const restriction = {
      type: 'time-of-day',
      restriction: { startHour: 22, startMin: 0, endHour: 6, endMin: 0 },
    }
    const created = await owner<Json>(
      'POST',
      `/v2/teams/${encodeURIComponent(t.name)}/routing-rules?teamIdentifierType=name`,
      {
        name: 'P1 at night',
        criteria: p1,
        timeRestriction: restriction,
        timezone: 'Europe/Berlin',
        notify: { type: 'escalation', name: `${t.name} P1` },
      },
    )
    expect(created.status).toBe(201)
    const rule = created.body.data
    expect(rule).toEqual({
      id: expect.any(String),
      name: 'P1 at night',
      isDefault: false,
      order: 0,
      criteria: p1,
      timeRestriction: restriction,
      timezone: 'Europe/Berlin',
      notify: { type: 'escalation', id: other, name: `${t.name} P1` },
    })
    expect((await key<Json>('GET', `/v2/teams/${srv.teamId}/routing-rules`)).status).toBe(200)
    expect((await owner<Json>('GET', `${base}/${rule.id}`)).body.data).toEqual(rule)

    const patched = await owner<Json>('PATCH', `${base}/${rule.id}`, {
      name: 'P1 always',
      timeRestriction: null,
      notify: { type: 'none' },
    })
    expect(patched.status).toBe(200)
    expect(patched.body.data).toEqual({
      ...rule,
      name: 'P1 always',
      timeRestriction: undefined,
      notify: { type: 'none' },
    })
    expect(patched.body.data).not.toHaveProperty('timeRestriction')

    // An escalation a rule routes to cannot be deleted from under it.
    const p1Rule = await owner<Json>('POST', base, {
      name: 'uses P1',
      notify: { type: 'escalation', id: other },
    })
    expect((await owner('DELETE', `/v2/escalations/${other}`)).status).toBe(409)
    expect((await owner('DELETE', `${base}/${p1Rule.body.data.id}`)).status).toBe(200)

    expect((await owner<Json>('DELETE', `${base}/${rule.id}`)).body.result).toBe('Deleted')
    const gone = await owner<Json>('GET', `${base}/${rule.id}`)
    expect(gone.status).toBe(404)
    expect(gone.body.message).toContain(rule.id)
    expect((await owner('DELETE', `${base}/${rule.id}`)).status).toBe(404)
    expect((await owner('GET', '/v2/teams/nope/routing-rules')).status).toBe(404)
    expect((await owner('GET', '/v2/teams/nope/routing-rules?teamIdentifierType=name')).status).toBe(404)
  })

  it('keeps rules in order: insert at a position, change-order, delete renumbers', async () => {
    const t = await team()
    const base = `/v2/teams/${t.id}/routing-rules`
    const ids: Record<string, string> = {}
    for (const [n, order] of [
      ['a', undefined],
      ['b', undefined],
      ['c', 0],
      ['d', 99],
    ] as const) {
      const r = await owner<Json>('POST', base, { name: n, order, notify: { type: 'none' } })
      expect(r.status).toBe(201)
      ids[n] = r.body.data.id
    }
    expect(await names(base)).toEqual(['0:c', '1:a', '2:b', '3:d', '4:Default Rule'])
    const moved = await owner<Json>('POST', `${base}/${ids.d}/change-order`, { order: 1 })
    expect(moved.status).toBe(200)
    expect(moved.body.data).toMatchObject({ name: 'd', order: 1 })
    expect(await names(base)).toEqual(['0:c', '1:d', '2:a', '3:b', '4:Default Rule'])
    expect((await owner('POST', `${base}/${ids.c}/change-order`, { order: 50 })).status).toBe(200)
    expect(await names(base)).toEqual(['0:d', '1:a', '2:b', '3:c', '4:Default Rule'])
    expect((await owner('DELETE', `${base}/${ids.a}`)).status).toBe(200)
    expect(await names(base)).toEqual(['0:d', '1:b', '2:c', '3:Default Rule'])
    const bad = await owner<Json>('POST', `${base}/${ids.b}/change-order`, { order: -1 })
    expect(bad.status).toBe(422)
    expect(bad.body.errors).toHaveProperty('order')
  })

  it('protects the default rule and enforces the rule limit', async () => {
    const t = await team()
    const base = `/v2/teams/${t.id}/routing-rules`
    const def = (await owner<Json>('GET', base)).body.data[0]
    const del = await owner<Json>('DELETE', `${base}/${def.id}`)
    expect(del.status).toBe(409)
    expect(del.body.message).toContain('default routing rule cannot be deleted')
    const move = await owner<Json>('POST', `${base}/${def.id}/change-order`, { order: 0 })
    expect(move.status).toBe(422)
    expect(move.body.errors.order).toContain('default')
    const narrowed = await owner<Json>('PATCH', `${base}/${def.id}`, { criteria: p1 })
    expect(narrowed.status).toBe(422)
    expect(narrowed.body.errors).toHaveProperty('criteria.type')
    const renamed = await owner<Json>('PATCH', `${base}/${def.id}`, { name: 'Fallback' })
    expect(renamed.body.data).toMatchObject({ name: 'Fallback', isDefault: true })

    for (let i = 0; i < 99; i++) {
      const r = await owner('POST', base, { name: `r${i}`, notify: { type: 'none' } })
      expect(r.status).toBe(201)
    }
    const over = await owner<Json>('POST', base, { name: 'one too many', notify: { type: 'none' } })
    expect(over.status).toBe(422)
    expect(JSON.stringify(over.body.errors)).toContain('at most 100')
    expect((await owner<Json>('GET', base)).body.data).toHaveLength(100)
  })

  it('validates with a 422 per field', async () => {
    const t = await team()
    const base = `/v2/teams/${t.id}/routing-rules`
    const cases: Array<[Json, string]> = [
      [{}, 'notify'],
      [{ notify: { type: 'pager' } }, 'notify.type'],
      [{ notify: { type: 'escalation', name: 'no such escalation' } }, 'notify'],
      [{ notify: { type: 'schedule', id: 'no-such-schedule' } }, 'notify'],
      [{ notify: { type: 'escalation' } }, 'notify'],
      [{ timezone: 'Mars/Olympus', notify: { type: 'none' } }, 'timezone'],
      [
        {
          criteria: { type: 'match-all-conditions', conditions: [{ field: 'bogus', operation: 'equals' }] },
          notify: { type: 'none' },
        },
        'criteria.conditions[0].field',
      ],
      [
        {
          criteria: {
            type: 'match-all-conditions',
            conditions: [{ field: 'tags', operation: 'equals', expectedValue: 'x' }],
          },
          notify: { type: 'none' },
        },
        'criteria.conditions[0].operation',
      ],
      [
        {
          timeRestriction: {
            type: 'time-of-day',
            restriction: { startHour: 25, startMin: 0, endHour: 1, endMin: 0 },
          },
          notify: { type: 'none' },
        },
        'timeRestriction',
      ],
      [{ order: -1, notify: { type: 'none' } }, 'order'],
    ]
    for (const [body, field] of cases) {
      const r = await owner<Json>('POST', base, body)
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(422)
      const keys = Object.keys(r.body.errors ?? {})
      expect(
        keys.some((k) => k === field || k.startsWith(`${field}.`)),
        `${field}: ${JSON.stringify(r.body)}`,
      ).toBe(true)
    }
  })

  it('enforces access and records audit entries', async () => {
    const t = await team()
    const base = `/v2/teams/${t.id}/routing-rules`
    const noConfig = await integrationKey(t.id, { allowConfigurationAccess: false })
    expect((await noConfig('GET', base)).status).toBe(200)
    expect((await noConfig('POST', base, { name: 'x', notify: { type: 'none' } })).status).toBe(403)
    const cfg = await integrationKey(t.id, { allowConfigurationAccess: true })
    const created = await cfg<Json>('POST', base, { name: 'by key', notify: { type: 'none' } })
    expect(created.status).toBe(201)
    const id = created.body.data.id
    expect((await noConfig('PATCH', `${base}/${id}`, { name: 'y' })).status).toBe(403)
    expect((await noConfig('DELETE', `${base}/${id}`)).status).toBe(403)
    expect((await noConfig('POST', `${base}/${id}/change-order`, { order: 0 })).status).toBe(403)
    const noRead = await integrationKey(t.id, { allowReadAccess: false })
    expect((await noRead('GET', base)).status).toBe(403)
    expect((await key('GET', base)).status).toBe(404)
    expect((await key('POST', base, { name: 'z', notify: { type: 'none' } })).status).toBe(404)

    const member = await user(`rr.member${t.id}@example.com`, 'user', t.id)
    expect((await member('GET', `${base}/${id}`)).status).toBe(200)
    expect((await member('PATCH', `${base}/${id}`, { name: 'm' })).status).toBe(403)
    const teamAdmin = await user(`rr.admin${t.id}@example.com`, 'user', t.id, 'admin')
    expect((await teamAdmin('PATCH', `${base}/${id}`, { name: 'renamed' })).status).toBe(200)
    expect((await teamAdmin('GET', `/v2/teams/${srv.teamId}/routing-rules`)).status).toBe(404)

    expect((await cfg('POST', `${base}/${id}/change-order`, { order: 0 })).status).toBe(200)
    expect((await cfg('DELETE', `${base}/${id}`)).status).toBe(200)
    const rows = await srv.ctx.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_type', '=', 'routing-rule')
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute()
    expect(rows.map((r) => `${r.action}:${r.actor_kind}`)).toEqual([
      'create:key',
      'update:user',
      'change-order:key',
      'delete:key',
    ])
    const defaults = await srv.ctx.store.db
      .selectFrom('audit_log')
      .select('entity_name')
      .where('entity_type', '=', 'routing-rule')
      .where('action', '=', 'create')
      .where('entity_name', '=', 'Default Rule')
      .execute()
    expect(defaults.length).toBeGreaterThan(0)
  })

  it('routeForTeam routes by the team’s rules in order, falling back to the default', async () => {
    const t = await team()
    const base = `/v2/teams/${t.id}/routing-rules`
    const escA = await escalation(`${t.name} tags`, t.id)
    const escB = await escalation(`${t.name} p1`, t.id)
    await owner('POST', base, {
      name: 'db tags',
      criteria: {
        type: 'match-any-condition',
        conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'db' }],
      },
      notify: { type: 'escalation', id: escA },
    })
    await owner('POST', base, {
      name: 'p1',
      order: 0,
      criteria: p1,
      notify: { type: 'escalation', id: escB },
    })
    const db = srv.ctx.store.db
    const at = Date.UTC(2026, 2, 2, 12, 0, 0)
    const both = await routeForTeam(db, t.id, { message: 'm', priority: 'P1', tags: ['db'] }, at)
    expect(both?.rule.name).toBe('p1')
    expect(both?.notify).toEqual({ type: 'escalation', id: escB })
    const tagOnly = await routeForTeam(db, t.id, { message: 'm', priority: 'P3', tags: ['db'] }, at)
    expect(tagOnly?.rule.name).toBe('db tags')
    const none = await routeForTeam(db, t.id, { message: 'm', priority: 'P3', tags: [] }, at)
    expect(none?.rule.isDefault).toBe(true)
    expect(none?.notify).toEqual({ type: 'none' })
    expect(none?.reason).toContain('default rule')
  })
})
