import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { applyAlertPolicies } from '../../core/routing/policies'
import { ManualClock } from '../../core/time/clock'
import { activeMaintenance } from '../../server/maintenance/windows'
import { policiesFor } from '../../server/policies/store'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)

const disk = {
  type: 'match-all-conditions',
  conditions: [{ field: 'message', operation: 'contains', expectedValue: 'disk' }],
}

describe.each(kinds)('Opsgenie alert policies API on $name', ({ name }) => {
  const clock = new ManualClock(T0)
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
  const policy = (over: Json = {}) => ({ type: 'alert', name: 'p', message: '{{message}}', ...over })

  it('creates, reads, lists, updates, reorders, toggles and deletes global policies', async () => {
    const created = await owner<Json>(
      'POST',
      '/v2/policies',
      policy({
        name: 'disk',
        policyDescription: 'disk alerts',
        filter: disk,
        message: '[disk] {{message}}',
        tags: ['storage'],
        details: { runbook: 'https://wiki/disk' },
        priority: 'P2',
        responders: [{ type: 'team', name: 'Default' }],
        continue: true,
        ignoreOriginalTags: true,
        timeRestrictions: {
          type: 'time-of-day',
          restriction: { startHour: 8, startMin: 0, endHour: 18, endMin: 0 },
        },
      }),
    )
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const data = created.body.data
    expect(data).toEqual({
      id: expect.any(String),
      type: 'alert',
      name: 'disk',
      policyDescription: 'disk alerts',
      enabled: true,
      order: 0,
      teamId: null,
      filter: disk,
      timeRestrictions: {
        type: 'time-of-day',
        restriction: { startHour: 8, startMin: 0, endHour: 18, endMin: 0 },
      },
      message: '[disk] {{message}}',
      priority: 'P2',
      tags: ['storage'],
      details: { runbook: 'https://wiki/disk' },
      responders: [{ type: 'team', name: 'Default' }],
      continue: true,
      ignoreOriginalActions: false,
      ignoreOriginalDetails: false,
      ignoreOriginalResponders: false,
      ignoreOriginalTags: true,
      ignoreOriginalTeams: false,
    })
    expect((await owner<Json>('GET', `/v2/policies/${data.id}`)).body.data).toEqual(data)
    // The answer round-trips.
    const { id, order: _o, teamId: _t, ...body } = data
    const second = await owner<Json>('POST', '/v2/policies', { ...body, name: 'second' })
    expect(second.body.data).toEqual({ ...data, id: expect.any(String), name: 'second', order: 1 })
    const third = await owner<Json>('POST', '/v2/policies', policy({ name: 'third', enabled: false }))
    expect(third.body.data).toMatchObject({ order: 2, enabled: false, filter: { type: 'match-all' } })
    const names = async () =>
      (await owner<Json>('GET', '/v2/policies/alert')).body.data.map((p: Json) => `${p.name}:${p.order}`)
    expect(await names()).toEqual(['disk:0', 'second:1', 'third:2'])

    const moved = await owner<Json>('POST', `/v2/policies/${third.body.data.id}/change-order`, { order: 0 })
    expect(moved.status).toBe(200)
    expect(moved.body.data.order).toBe(0)
    expect(await names()).toEqual(['third:0', 'disk:1', 'second:2'])

    const put = await owner<Json>('PUT', `/v2/policies/${id}`, policy({ name: 'disk2', message: 'x' }))
    expect(put.status).toBe(200)
    expect(put.body.data).toMatchObject({
      name: 'disk2',
      message: 'x',
      order: 1,
      enabled: true,
      continue: false,
    })
    expect(put.body.data).not.toHaveProperty('tags')

    const off = await owner<Json>('POST', `/v2/policies/${id}/disable`)
    expect(off.body).toMatchObject({ result: 'Disabled', data: { enabled: false } })
    const on = await owner<Json>('POST', `/v2/policies/${third.body.data.id}/enable`)
    expect(on.body.data.enabled).toBe(true)

    expect((await owner('DELETE', `/v2/policies/${third.body.data.id}`)).status).toBe(200)
    expect(await names()).toEqual(['disk2:0', 'second:1'])
    expect((await owner('GET', `/v2/policies/${third.body.data.id}`)).status).toBe(404)
    // A global policy is not found among a team's.
    expect((await owner('GET', `/v2/policies/${id}?teamId=${srv.teamId}`)).status).toBe(404)

    const audit = await srv.ctx.store.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('entity_type', '=', 'policy')
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'create',
      'create',
      'create',
      'change-order',
      'update',
      'disable',
      'enable',
      'delete',
    ])
    for (const id of [data.id, third.body.data.id, second.body.data.id])
      await owner('DELETE', `/v2/policies/${id}`)
  })

  it('rejects invalid policies with 422 naming Opsgenie fields', async () => {
    const post = (b: Json) => owner<Json>('POST', '/v2/policies', b)
    const badFilter = await post(
      policy({
        filter: { type: 'match-all-conditions', conditions: [{ field: 'nope', operation: 'equals' }] },
      }),
    )
    expect(badFilter.status).toBe(422)
    expect(Object.keys(badFilter.body.errors)[0]).toMatch(/^filter\.conditions\[0\]/)
    const badZone = await post(policy({ timezone: 'Mars/Base' }))
    expect(badZone.body.errors).toEqual({ timezone: expect.stringContaining('unknown time zone') })
    const badRestriction = await post(policy({ timeRestrictions: { type: 'weekly' } }))
    expect(badRestriction.status).toBe(422)
    expect(Object.keys(badRestriction.body.errors).every((k) => k.startsWith('timeRestrictions'))).toBe(true)
    const notification = await post(policy({ type: 'notification' }))
    expect(notification.body.errors).toHaveProperty('type')
    const teams = await post(policy({ ignoreOriginalTeams: true }))
    expect(teams.body.errors).toHaveProperty('ignoreOriginalTeams')
    const priority = await post(policy({ priority: 'P9' }))
    expect(priority.body.errors).toHaveProperty('priority')
    expect((await post({ type: 'alert', name: 'no message' })).status).toBe(422)
    expect((await owner<Json>('GET', '/v2/policies/alert')).body.data).toEqual([])
  })

  it('enforces access: global policies for account admins, team policies for their team', async () => {
    const global = await owner<Json>('POST', '/v2/policies', policy({ name: 'g' }))
    const gid = global.body.data.id
    expect((await key('GET', '/v2/policies/alert')).status).toBe(403)
    expect((await key('POST', '/v2/policies', policy())).status).toBe(403)
    expect((await key('GET', `/v2/policies/${gid}`)).status).toBe(403)

    const q = `?teamId=${srv.teamId}`
    const created = await key<Json>('POST', `/v2/policies${q}`, policy({ name: 'team' }))
    expect(created.status).toBe(201)
    expect(created.body.data.teamId).toBe(srv.teamId)
    const id = created.body.data.id
    expect((await key<Json>('GET', `/v2/policies/alert${q}`)).body.data.map((p: Json) => p.id)).toEqual([id])
    expect((await key('GET', `/v2/policies/${id}`)).status).toBe(403)
    expect((await owner('GET', `/v2/policies/${id}`)).status).toBe(404)

    const noConfig = await integrationKey(srv.teamId, { allowConfigurationAccess: false })
    expect((await noConfig('POST', `/v2/policies${q}`, policy())).status).toBe(403)
    expect((await noConfig('POST', `/v2/policies/${id}/disable${q}`)).status).toBe(403)
    expect((await noConfig('GET', `/v2/policies/${id}${q}`)).status).toBe(200)
    const noRead = await integrationKey(srv.teamId, { allowReadAccess: false })
    expect((await noRead('GET', `/v2/policies/alert${q}`)).status).toBe(403)

    const other = await team('Policy Other')
    const otherKey = await integrationKey(other, { allowConfigurationAccess: true })
    expect((await otherKey('GET', `/v2/policies/${id}${q}`)).status).toBe(404)
    expect((await otherKey('GET', `/v2/policies/alert${q}`)).status).toBe(404)
    expect((await otherKey('GET', `/v2/policies/${id}?teamId=${other}`)).status).toBe(404)

    const member = await user('pol.member@example.com', 'user', srv.teamId)
    expect((await member('GET', `/v2/policies/${id}${q}`)).status).toBe(200)
    expect((await member('POST', `/v2/policies/${id}/disable${q}`)).status).toBe(403)
    expect((await member('GET', '/v2/policies/alert')).status).toBe(403)
    const teamAdmin = await user('pol.admin@example.com', 'user', srv.teamId, 'admin')
    expect((await teamAdmin('POST', `/v2/policies/${id}/disable${q}`)).status).toBe(200)
    expect((await teamAdmin('DELETE', `/v2/policies/${gid}`)).status).toBe(403)
    expect((await teamAdmin('POST', `/v2/policies?teamId=${other}`, policy())).status).toBe(404)
    const observer = await user('pol.observer@example.com', 'observer', srv.teamId)
    expect((await observer('DELETE', `/v2/policies/${id}${q}`)).status).toBe(403)

    await owner('DELETE', `/v2/policies/${gid}`)
    expect((await key('DELETE', `/v2/policies/${id}${q}`)).status).toBe(200)
  })

  it('policiesFor returns enabled policies, global first, for applyAlertPolicies', async () => {
    const t = await team('Policy Helper')
    const q = `?teamId=${t}`
    const g1 = await owner<Json>(
      'POST',
      '/v2/policies',
      policy({ name: 'tag all', tags: ['global'], continue: true }),
    )
    await owner<Json>('POST', '/v2/policies', policy({ name: 'off', message: 'never', enabled: false }))
    const tp = await owner<Json>(
      'POST',
      `/v2/policies${q}`,
      policy({ name: 'disk', filter: disk, message: '[disk] {{message}}', priority: 'P1', continue: true }),
    )
    await owner<Json>('POST', `/v2/policies${q}`, policy({ name: 'last', details: { seen: '{{priority}}' } }))
    const db = srv.ctx.store.db

    const forTeam = await policiesFor(db, t)
    expect(forTeam.map((p) => `${p.name}:${p.order}`)).toEqual(['tag all:0', 'disk:1', 'last:2'])
    expect((await policiesFor(db, undefined)).map((p) => p.name)).toEqual(['tag all'])

    const alert: NormalizedAlert = {
      message: 'disk full on db1',
      description: '',
      responders: [],
      visibleTo: [],
      actions: [],
      tags: ['db'],
      details: {},
      entity: '',
      source: 'test',
      priority: 'P3',
      user: 'test',
      notices: [],
    }
    const out = applyAlertPolicies(forTeam, alert, clock.now())
    expect(out.applied).toEqual(['tag all', 'disk', 'last'])
    expect(out.alert).toMatchObject({
      message: '[disk] disk full on db1',
      priority: 'P1',
      tags: ['db', 'global'],
      details: { seen: 'P1' },
    })
    const other = applyAlertPolicies(forTeam, { ...alert, message: 'cpu high' }, clock.now())
    expect(other.applied).toEqual(['tag all', 'last'])

    // A maintenance rule can name a policy; activeMaintenance reports the window for it.
    const win = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [{ state: 'enabled', entity: { id: tp.body.data.id, type: 'policy' } }],
    })
    expect(win.status).toBe(201)
    expect(
      (await activeMaintenance(db, { policyIds: [g1.body.data.id, tp.body.data.id] }, clock.now()))?.id,
    ).toBe(win.body.data.id)
    expect(await activeMaintenance(db, { policyIds: [g1.body.data.id] }, clock.now())).toBeUndefined()
  })
})
