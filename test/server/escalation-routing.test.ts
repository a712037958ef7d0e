import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heartbeatAlias } from '../../core/model/heartbeat'
import { ManualClock } from '../../core/time/clock'
import { expireHeartbeats } from '../../server/engine/heartbeats'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { createAlert, logs, MIN, type Ops, pages, runFor, setupOps, T0, U } from './escalation-fixtures'

type Json = Record<string, any>
const kinds = await storeKinds()

const tagged = (tag: string) => ({
  type: 'match-all-conditions',
  conditions: [{ field: 'tags', operation: 'contains', expectedValue: tag }],
})

describe.each(kinds)('ingest-time routing, policies and maintenance on $name', ({ name }) => {
  const clock = new ManualClock(T0)
  let srv: TestServer
  let ops: Ops
  let owner: ReturnType<typeof client>
  let n = 0
  const alert = (extra: Json = {}) =>
    createAlert(ops.key, { message: `cpu high ${++n}`, alias: `rt-${n}`, ...extra })
  const tick = () => srv.ctx.escalation.tick()
  const run = (id: string) =>
    srv.ctx.store.db.selectFrom('escalation_runs').selectAll().where('alert_id', '=', id).executeTakeFirst()

  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock, config: { escalationIntervalMs: 0 } })
    ops = await setupOps(srv)
    owner = fixtures(srv).owner
  })
  afterAll(async () => srv?.close())

  const routingRule = async (body: Json) => {
    const r = await owner<Json>('POST', `/v2/teams/${ops.teamId}/routing-rules`, { order: 0, ...body })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id as string
  }
  const alertPolicy = async (body: Json) => {
    const r = await owner<Json>('POST', `/v2/policies?teamId=${ops.teamId}`, {
      type: 'alert',
      message: '{{message}}',
      ...body,
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id as string
  }

  it('routes by the first matching rule to a schedule (a one-rule policy), to nobody, or by default', async () => {
    await routingRule({
      name: 'db to schedule',
      criteria: tagged('db'),
      notify: { type: 'schedule', id: ops.scheduleId },
    })
    await routingRule({ name: 'quiet', criteria: tagged('quiet'), notify: { type: 'none' } })
    const db = await alert({ tags: ['db'] })
    const quiet = await alert({ tags: ['quiet'] })
    const plain = await alert()
    await tick()
    expect(await pages(srv, db)).toEqual(['+0 r0 c0 dave'])
    expect(JSON.parse((await run(db))?.policy ?? '{}').rules).toEqual([
      {
        condition: 'if-not-acked',
        delayMinutes: 0,
        recipient: { type: 'schedule', id: ops.scheduleId },
        notifyType: 'default',
      },
    ])
    expect(await logs(ops.key, db)).toContain(`Routed by rule 'db to schedule' to schedule 'Ops primary'`)
    expect(await run(quiet)).toBeUndefined()
    expect(await logs(ops.key, quiet)).toEqual(
      expect.arrayContaining([`Routed by rule 'quiet' to nobody`, 'Nobody is paged for this alert']),
    )
    expect(await pages(srv, plain)).toEqual(['+0 r0 c0 alice'])
    expect(await logs(ops.key, plain)).toContain(`Routed by rule 'Default Rule' to policy 'Ops_escalation'`)
    // A dedup hit is not routed again and starts no second run.
    await createAlert(ops.key, { message: 'again', alias: `rt-${n}` })
    await tick()
    expect(await pages(srv, plain)).toEqual(['+0 r0 c0 alice'])
    for (const id of [db, plain]) await ops.key('POST', `/v2/alerts/${id}/close`, {})
  })

  it('pages the responders of the request too: a user at once, a team through its own routing', async () => {
    const fx = fixtures(srv)
    const net = await fx.team('Net')
    const p = await owner<Json>('POST', '/v2/escalations', {
      name: 'Net_escalation',
      ownerTeam: { id: net },
      rules: [{ delay: { timeAmount: 2 }, recipient: { type: 'user', username: U.bob } }],
    })
    expect(p.status).toBe(201)
    const id = await alert({
      tags: ['quiet'],
      responders: [
        { type: 'user', username: U.erin },
        { type: 'team', name: 'Net' },
        { type: 'user', username: 'ghost@esc.test' },
      ],
    })
    await tick()
    await runFor(srv, clock, 2)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 erin', '+2 r1 c0 bob'])
    const lines = await logs(ops.key, id)
    expect(lines).toContain(`Responder user '${U.erin}' is paged`)
    expect(lines).toContain(`Responder team 'Net': Routed by rule 'Default Rule' to policy 'Net_escalation'`)
    expect(lines).toContain(`Responder user 'ghost@esc.test' does not exist`)
    await ops.key('POST', `/v2/alerts/${id}/close`, {})
  })

  it('pages a responder added later once, in the pass in progress, and again in later repeats', async () => {
    const id = await alert()
    await tick()
    await runFor(srv, clock, 33)
    const add = await ops.key('POST', `/v2/alerts/${id}/responders`, {
      responder: { type: 'user', username: U.erin },
    })
    expect(add.status).toBe(202)
    await tick()
    const seen = await pages(srv, id)
    // Added at +33, in the second pass (cycle 1): erin is paged now, once, not also for the first pass.
    expect(seen.filter((p) => p.endsWith('erin'))).toEqual(['+33 r3 c1 erin'])
    expect(await logs(ops.key, id)).toContain(`Responder user '${U.erin}' is paged`)
    const quiet = await alert({ tags: ['quiet'] })
    expect(await run(quiet)).toBeUndefined()
    expect((await ops.key('POST', `/v2/alerts/${quiet}/teams`, { team: { name: 'Net' } })).status).toBe(202)
    await tick()
    await runFor(srv, clock, 2)
    expect(await pages(srv, quiet)).toEqual(['+2 r0 c0 bob'])
    for (const x of [id, quiet]) await ops.key('POST', `/v2/alerts/${x}/close`, {})
  })

  it('routes and escalates a heartbeat expiry alert like any other', async () => {
    const hb = await owner<Json>('POST', '/v2/heartbeats', {
      name: 'nightly-backup',
      interval: 5,
      intervalUnit: 'minutes',
      enabled: true,
      ownerTeam: { id: ops.teamId },
    })
    expect(hb.status, JSON.stringify(hb.body)).toBe(201)
    clock.advance(6 * MIN)
    expect(await expireHeartbeats(srv.ctx, clock)).toBe(1)
    const row = await srv.ctx.store.db
      .selectFrom('alerts')
      .select('id')
      .where('open_alias', '=', heartbeatAlias('nightly-backup'))
      .executeTakeFirstOrThrow()
    await tick()
    expect(await pages(srv, row.id)).toEqual(['+0 r0 c0 alice'])
    expect(await logs(ops.key, row.id)).toContain(`Routed by rule 'Default Rule' to policy 'Ops_escalation'`)
    await ops.key('POST', `/v2/alerts/${row.id}/close`, {})
    await owner('DELETE', '/v2/heartbeats/nightly-backup')
  })

  it('applies alert policies before dedup: priority, tags, responders, message and alias rewrite', async () => {
    await alertPolicy({
      name: 'db hosts',
      filter: {
        type: 'match-all-conditions',
        conditions: [{ field: 'entity', operation: 'starts-with', expectedValue: 'db' }],
      },
      message: '[db] {{message}}',
      alias: 'host-{{entity}}',
      priority: 'P1',
      tags: ['storage'],
      responders: [{ type: 'user', username: U.erin }],
    })
    const a = await alert({ entity: 'db7', alias: 'first' })
    const b = await alert({ entity: 'db7', alias: 'second' })
    expect(b).toBe(a)
    const got = await ops.key<Json>('GET', `/v2/alerts/${a}`)
    expect(got.body.data).toMatchObject({
      alias: 'host-db7',
      priority: 'P1',
      count: 2,
      message: expect.stringMatching(/^\[db\] cpu high \d+$/),
    })
    expect(got.body.data.tags).toContain('storage')
    await tick()
    expect(await pages(srv, a)).toEqual(['+0 r0 c0 alice', '+0 r1 c0 erin'])
    expect(await logs(ops.key, a)).toContain(`Alert policy 'db hosts' applied`)
    await ops.key('POST', `/v2/alerts/${a}/close`, {})
  })

  it('records a suppressed alert without a run and says which policy silenced it', async () => {
    await alertPolicy({ name: 'mute noisy', filter: tagged('noisy'), suppress: true })
    const id = await alert({ tags: ['noisy'] })
    await runFor(srv, clock, 20)
    expect(await pages(srv, id)).toEqual([])
    expect(await run(id)).toBeUndefined()
    expect((await ops.key<Json>('GET', `/v2/alerts/${id}`)).body.data.status).toBe('open')
    expect(await logs(ops.key, id)).toContain(`Notifications suppressed by alert policy 'mute noisy'`)
  })

  it('closes an alert after an alert policy auto-close time, a durable timer the engine honours', async () => {
    await alertPolicy({ name: 'flappy', filter: tagged('flappy'), autoCloseAfterMinutes: 10 })
    await alertPolicy({
      name: 'flappy muted',
      filter: tagged('flappy-muted'),
      autoCloseAfterMinutes: 3,
      suppress: true,
    })
    const paged = await alert({ tags: ['flappy'] })
    const muted = await alert({ tags: ['flappy-muted'] })
    await tick()
    await runFor(srv, clock, 3)
    expect((await ops.key<Json>('GET', `/v2/alerts/${muted}`)).body.data.status).toBe('closed')
    expect(await pages(srv, muted)).toEqual([])
    await runFor(srv, clock, 7)
    const a = await ops.key<Json>('GET', `/v2/alerts/${paged}`)
    expect(a.body.data.status).toBe('closed')
    // It paged until it closed (alice at 0, dave at 5) and nothing after.
    expect(await pages(srv, paged)).toEqual(['+0 r0 c0 alice', '+5 r1 c0 dave'])
    await runFor(srv, clock, 10)
    expect(await pages(srv, paged)).toEqual(['+0 r0 c0 alice', '+5 r1 c0 dave'])
    const lines = await logs(ops.key, paged)
    const closeAt = new Date(Date.parse(a.body.data.createdAt) + 10 * MIN).toISOString()
    expect(lines).toContain(`Will close automatically at ${closeAt} (alert policy 'flappy')`)
    expect(lines).toContain(`Alert closed by Vigil via alert policy 'flappy'`)
  })

  it('holds notifications during a team or integration maintenance window, and pages again once it is cancelled', async () => {
    const m = await owner<Json>('POST', '/v1/maintenance', {
      description: 'kernel upgrade',
      time: { type: 'for-1-hour' },
      rules: [{ state: 'enabled', entity: { id: ops.teamId, type: 'team' } }],
    })
    expect(m.status, JSON.stringify(m.body)).toBe(201)
    const held = await alert()
    await runFor(srv, clock, 20)
    expect(await pages(srv, held)).toEqual([])
    expect((await ops.key<Json>('GET', `/v2/alerts/${held}`)).body.data.status).toBe('open')
    expect(await logs(ops.key, held)).toContain(
      `Notifications suppressed: maintenance window ${m.body.data.id} (kernel upgrade) is active`,
    )
    expect((await owner('POST', `/v1/maintenance/${m.body.data.id}/cancel`)).status).toBe(200)
    const after = await alert()
    await tick()
    expect(await pages(srv, after)).toEqual(['+0 r0 c0 alice'])
    await ops.key('POST', `/v2/alerts/${after}/close`, {})

    const integration = await owner<Json>('POST', '/api/v1/integrations', {
      name: 'probe',
      type: 'API',
      teamId: ops.teamId,
    })
    expect(integration.status).toBe(201)
    const probe = client(srv.url, `GenieKey ${integration.body.data.apiKey}`)
    const w = await owner<Json>('POST', '/v1/maintenance', {
      time: { type: 'for-30-minutes' },
      rules: [{ state: 'enabled', entity: { id: integration.body.data.id, type: 'integration' } }],
    })
    expect(w.status, JSON.stringify(w.body)).toBe(201)
    const viaProbe = await createAlert(probe, { message: 'probe failing' })
    const viaOther = await alert()
    await tick()
    expect(await pages(srv, viaProbe)).toEqual([])
    expect(await logs(ops.key, viaProbe)).toContain(
      `Notifications suppressed: maintenance window ${w.body.data.id} is active`,
    )
    expect(await pages(srv, viaOther)).toEqual(['+0 r0 c0 alice'])
    clock.advance(31 * MIN)
    const later = await createAlert(probe, { message: 'probe failing again' })
    await tick()
    expect(await pages(srv, later)).toEqual(['+0 r0 c0 alice'])
  })
})
