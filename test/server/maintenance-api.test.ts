import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { activeMaintenance } from '../../server/maintenance/windows'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0)
const MIN = 60_000

describe.each(kinds)('Opsgenie Maintenance API on $name', ({ name }) => {
  const clock = new ManualClock(T0)
  let srv: TestServer
  let owner: ReturnType<typeof client>
  let key: ReturnType<typeof client>
  let integrationId: string
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
    const row = await srv.ctx.store.db
      .selectFrom('integrations')
      .select('id')
      .where('team_id', '=', srv.teamId)
      .executeTakeFirstOrThrow()
    integrationId = row.id
  })
  afterAll(async () => srv?.close())

  const integrationKey: Fx['integrationKey'] = (...a) => fixtures(srv).integrationKey(...a)
  const team: Fx['team'] = (...a) => fixtures(srv).team(...a)
  const user: Fx['user'] = (...a) => fixtures(srv).user(...a)
  const rule = (id: string, type = 'integration', state = 'enabled') => ({ state, entity: { id, type } })
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

  it('creates for-N-minutes windows from the clock and moves them through their statuses', async () => {
    clock.set(T0)
    const created = await owner<Json>('POST', '/v1/maintenance', {
      description: 'db upgrade',
      time: { type: 'for-30-minutes' },
      rules: [rule(integrationId)],
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ result: 'Created', requestId: expect.any(String) })
    const data = created.body.data
    expect(data).toEqual({
      id: expect.any(String),
      status: 'active',
      description: 'db upgrade',
      time: { type: 'for-30-minutes', startDate: iso(T0), endDate: iso(T0 + 30 * MIN) },
      rules: [rule(integrationId)],
    })
    expect((await owner<Json>('GET', `/v1/maintenance/${data.id}`)).body.data).toEqual(data)
    clock.set(T0 + 30 * MIN)
    expect((await owner<Json>('GET', `/v1/maintenance/${data.id}`)).body.data.status).toBe('past')

    const planned = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'schedule', startDate: iso(T0 + 45 * MIN), endDate: '2026-03-01T12:00:00+02:00' },
      rules: [rule(integrationId, 'integration', 'disabled'), rule(srv.teamId, 'team')],
    })
    expect(planned.status).toBe(201)
    expect(planned.body.data).toMatchObject({
      status: 'planned',
      time: { type: 'schedule', startDate: iso(T0 + 45 * MIN), endDate: iso(T0 + 60 * MIN) },
    })
    clock.set(T0 + 45 * MIN)
    expect((await owner<Json>('GET', `/v1/maintenance/${planned.body.data.id}`)).body.data.status).toBe(
      'active',
    )
  })

  it('rejects bad times, unknown entities and empty scopes with 422', async () => {
    clock.set(T0)
    const bad = async (body: Json) => owner<Json>('POST', '/v1/maintenance', body)
    const sched = await bad({ time: { type: 'schedule' }, rules: [rule(integrationId)] })
    expect(sched.status).toBe(422)
    expect(sched.body.errors).toMatchObject({
      'time.startDate': expect.any(String),
      'time.endDate': expect.any(String),
    })
    const order = await bad({
      time: { type: 'schedule', startDate: iso(T0 + MIN), endDate: iso(T0) },
      rules: [rule(integrationId)],
    })
    expect(order.body.errors).toEqual({ 'time.endDate': 'must be after start' })
    const garbled = await bad({
      time: { type: 'schedule', startDate: 'soon', endDate: iso(T0) },
      rules: [rule(integrationId)],
    })
    expect(garbled.body.errors).toHaveProperty(['time.startDate'])
    const unknown = await bad({
      time: { type: 'for-1-hour' },
      rules: [rule('nope'), rule('nope2', 'policy')],
    })
    expect(unknown.status).toBe(422)
    expect(unknown.body.errors).toEqual({
      'rules[0].entity.id': 'integration nope does not exist',
      'rules[1].entity.id': 'policy nope2 does not exist',
    })
    const empty = await bad({ time: { type: 'for-1-hour' }, rules: [] })
    expect(empty.body.errors).toEqual({ rules: expect.stringContaining('at least one') })
    const wrongType = await bad({ time: { type: 'for-2-hours' }, rules: [rule(integrationId)] })
    expect(wrongType.status).toBe(422)
  })

  it('lists by type, updates, cancels and deletes', async () => {
    const base = T0 + 2 * 60 * MIN
    clock.set(base)
    const mk = async (time: Json) => {
      const r = await key<Json>('POST', '/v1/maintenance', {
        description: 'l',
        time,
        rules: [rule(integrationId)],
      })
      expect(r.status).toBe(201)
      return r.body.data.id as string
    }
    const indefinite = await mk({ type: 'indefinitely' })
    clock.set(base + MIN)
    const short = await mk({ type: 'for-5-minutes' })
    const soon = await mk({
      type: 'schedule',
      startDate: iso(base + 10 * MIN),
      endDate: iso(base + 20 * MIN),
    })
    clock.set(base + 6 * MIN)
    const ids = async (type: string) =>
      (await key<Json>('GET', `/v1/maintenance?type=${type}`)).body.data
        .map((m: Json) => m.id)
        .filter((id: string) => [indefinite, soon, short].includes(id))
    expect(await ids('all')).toEqual([indefinite, short, soon])
    expect(await ids('non-expired')).toEqual([indefinite, soon])
    expect(await ids('past')).toEqual([short])
    const one = await key<Json>('GET', `/v1/maintenance/${indefinite}`)
    expect(one.body.data).toMatchObject({
      status: 'active',
      time: { type: 'indefinitely', startDate: iso(base) },
    })
    expect(one.body.data.time).not.toHaveProperty('endDate')
    expect(one.body.data.ownerTeam).toEqual({ id: srv.teamId, name: 'Default' })

    const put = await key<Json>('PUT', `/v1/maintenance/${soon}`, {
      description: 'moved',
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    expect(put.status).toBe(200)
    expect(put.body.data).toMatchObject({
      description: 'moved',
      status: 'active',
      time: { type: 'for-1-hour', startDate: iso(base + 6 * MIN), endDate: iso(base + 66 * MIN) },
    })
    expect((await key('PUT', `/v1/maintenance/${short}`, { time: { type: 'for-1-hour' } })).status).toBe(409)

    const cancelled = await key<Json>('POST', `/v1/maintenance/${indefinite}/cancel`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.data.status).toBe('cancelled')
    expect((await key('POST', `/v1/maintenance/${indefinite}/cancel`)).status).toBe(409)
    expect((await key('POST', `/v1/maintenance/${short}/cancel`)).status).toBe(409)
    expect(await ids('non-expired')).toEqual([soon])
    expect(await ids('past')).toEqual([indefinite, short])

    expect((await key('DELETE', `/v1/maintenance/${short}`)).status).toBe(200)
    expect((await key('GET', `/v1/maintenance/${short}`)).status).toBe(404)
    expect((await key('DELETE', `/v1/maintenance/${short}`)).status).toBe(404)

    const audit = await srv.ctx.store.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id', 'actor_kind'])
      .where('entity_type', '=', 'maintenance')
      .where('entity_id', 'in', [indefinite, soon, short])
      .orderBy('id')
      .execute()
    expect(
      audit.map((a) => `${a.action}:${a.entity_id === indefinite ? 'i' : a.entity_id === soon ? 's' : 'x'}`),
    ).toEqual(['create:i', 'create:x', 'create:s', 'update:s', 'cancel:i', 'delete:x'])
    expect(audit.every((a) => a.actor_kind === 'key')).toBe(true)
  })

  it('enforces access: global windows for account admins, team windows for their team', async () => {
    clock.set(T0)
    const global = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    expect(global.body.data).not.toHaveProperty('ownerTeam')
    const gid = global.body.data.id
    expect((await key('GET', `/v1/maintenance/${gid}`)).status).toBe(404)
    expect((await key('POST', `/v1/maintenance/${gid}/cancel`)).status).toBe(404)
    expect(((await key<Json>('GET', '/v1/maintenance')).body.data as Json[]).some((m) => m.id === gid)).toBe(
      false,
    )

    const teamWin = await key<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    const tid = teamWin.body.data.id
    const noConfig = await integrationKey(srv.teamId, { allowConfigurationAccess: false })
    expect(
      (
        await noConfig('POST', '/v1/maintenance', {
          time: { type: 'for-1-hour' },
          rules: [rule(integrationId)],
        })
      ).status,
    ).toBe(403)
    expect((await noConfig('POST', `/v1/maintenance/${tid}/cancel`)).status).toBe(403)
    expect((await noConfig('GET', `/v1/maintenance/${tid}`)).status).toBe(200)
    const noRead = await integrationKey(srv.teamId, { allowReadAccess: false })
    expect((await noRead('GET', '/v1/maintenance')).status).toBe(403)

    const other = await team('Maint Other')
    const otherKey = await integrationKey(other, { allowConfigurationAccess: true })
    expect((await otherKey('GET', `/v1/maintenance/${tid}`)).status).toBe(404)
    const foreign = await otherKey<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    expect(foreign.status).toBe(422)
    expect(foreign.body.errors).toEqual({
      'rules[0].entity.id': `integration ${integrationId} does not exist`,
    })
    const ownerForOther = await owner<Json>('POST', '/v1/maintenance', {
      ownerTeam: { id: other },
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    expect(ownerForOther.body.errors).toEqual({
      'rules[0].entity.id': `integration ${integrationId} belongs to another team than the maintenance`,
    })

    const member = await user('maint.member@example.com', 'user', srv.teamId)
    expect((await member('GET', `/v1/maintenance/${tid}`)).status).toBe(200)
    expect((await member('GET', `/v1/maintenance/${gid}`)).status).toBe(404)
    expect((await member('POST', `/v1/maintenance/${tid}/cancel`)).status).toBe(403)
    const teamAdmin = await user('maint.admin@example.com', 'user', srv.teamId, 'admin')
    const byAdmin = await teamAdmin<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [rule(integrationId)],
    })
    expect(byAdmin.status).toBe(201)
    expect(byAdmin.body.data.ownerTeam.id).toBe(srv.teamId)
    expect((await teamAdmin('POST', `/v1/maintenance/${tid}/cancel`)).status).toBe(200)
    expect((await teamAdmin('POST', `/v1/maintenance/${gid}/cancel`)).status).toBe(404)
    expect(
      (
        await teamAdmin('POST', '/v1/maintenance', {
          ownerTeam: { id: other },
          time: { type: 'for-1-hour' },
          rules: [],
        })
      ).status,
    ).toBe(403)
  })

  it('activeMaintenance finds the window in force for a team, integration or policy', async () => {
    const base = T0 + 4 * 60 * MIN
    clock.set(base)
    const db = srv.ctx.store.db
    const t = await team('Maint Helper')
    const hook = await owner<Json>('POST', '/api/v1/integrations', {
      name: 'maint-hook',
      type: 'API',
      teamId: t,
    })
    const hookId = hook.body.data.id as string
    const byIntegration = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'schedule', startDate: iso(base + 10 * MIN), endDate: iso(base + 20 * MIN) },
      rules: [rule(hookId)],
    })
    const byTeam = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'indefinitely', startDate: iso(base + 30 * MIN) },
      rules: [rule(t, 'team')],
    })
    expect(byTeam.status).toBe(201)
    const disabled = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-1-hour' },
      rules: [rule(hookId, 'integration', 'disabled'), rule(t, 'team')],
    })
    await owner('POST', `/v1/maintenance/${disabled.body.data.id}/cancel`)

    expect(await activeMaintenance(db, { integrationId: hookId }, base + 5 * MIN)).toBeUndefined()
    expect((await activeMaintenance(db, { integrationId: hookId }, base + 10 * MIN))?.id).toBe(
      byIntegration.body.data.id,
    )
    expect(await activeMaintenance(db, { integrationId: hookId }, base + 20 * MIN)).toBeUndefined()
    expect(await activeMaintenance(db, { teamId: t }, base + 20 * MIN)).toBeUndefined()
    const found = await activeMaintenance(db, { teamId: t, integrationId: 'other' }, base + 6 * 60 * MIN)
    expect(found).toMatchObject({ id: byTeam.body.data.id, scope: { teamIds: [t] } })
    expect(found).not.toHaveProperty('end')
    await owner('POST', `/v1/maintenance/${byTeam.body.data.id}/cancel`)
    expect(await activeMaintenance(db, { teamId: t }, base + 40 * MIN)).toBeUndefined()
  })
})
