import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import {
  createAlert,
  logs,
  MIN,
  notices,
  type Ops,
  pages,
  runFor,
  setupOps,
  T0,
  U,
} from './escalation-fixtures'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('escalation engine on $name', ({ name }) => {
  const clock = new ManualClock(T0)
  let srv: TestServer
  let ops: Ops
  let n = 0
  const alert = (extra: Json = {}) =>
    createAlert(ops.key, { message: `disk full ${++n}`, alias: `esc-${n}`, ...extra })
  const tick = () => srv.ctx.escalation.tick()

  beforeAll(async () => {
    // The engine's own timer is off: the test drives it with tick(), as the timer would.
    srv = await startTestServer({ kind: name, clock, config: { escalationIntervalMs: 0 } })
    ops = await setupOps(srv)
  })
  afterAll(async () => srv?.close())

  const policyFor = async (policyName: string, rules: Json[], repeat?: Json): Promise<string> => {
    const r = await fixtures(srv).owner<Json>('POST', '/v2/escalations', {
      name: policyName,
      ownerTeam: { id: ops.teamId },
      rules,
      ...(repeat ? { repeat } : {}),
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id
  }
  const routeTag = async (tag: string, policyId: string) => {
    const r = await fixtures(srv).owner<Json>('POST', `/v2/teams/${ops.teamId}/routing-rules`, {
      name: `tag ${tag}`,
      order: 0,
      criteria: {
        type: 'match-all-conditions',
        conditions: [{ field: 'tags', operation: 'contains', expectedValue: tag }],
      },
      notify: { type: 'escalation', id: policyId },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
  }

  it('runs a 30-minute three-step policy with a repeat: who was notified when, each exactly once', async () => {
    const id = await alert()
    await tick()
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice'])
    await runFor(srv, clock, 70)
    const expected = [
      '+0 r0 c0 alice',
      '+5 r1 c0 dave',
      '+15 r2 c0 alice',
      '+15 r2 c0 bob',
      '+15 r2 c0 carol',
      '+30 r0 c1 alice',
      '+35 r1 c1 dave',
      '+45 r2 c1 alice',
      '+45 r2 c1 bob',
      '+45 r2 c1 carol',
    ]
    expect(await pages(srv, id)).toEqual(expected)
    // More looks at the same instant and later change nothing: the run is finished.
    expect((await tick()).notifications).toBe(0)
    await runFor(srv, clock, 30)
    expect(await pages(srv, id)).toEqual(expected)
    const run = await srv.ctx.store.db
      .selectFrom('escalation_runs')
      .select(['next_wake_at', 'policy_id'])
      .where('alert_id', '=', id)
      .executeTakeFirstOrThrow()
    expect(run).toEqual({ next_wake_at: null, policy_id: ops.policyId })
    const lines = await logs(ops.key, id)
    expect(lines).toContain(`Routed by rule 'Default Rule' to policy 'Ops_escalation'`)
    expect(lines).toContain(`rule 1, cycle 0: notifying ${U.alice} (user ${U.alice})`)
    expect(lines).toContain(`rule 2, cycle 0: notifying ${U.dave} (on call in schedule 'Ops primary')`)
    expect(lines).toContain(`rule 3, cycle 0: notifying ${U.alice}, ${U.bob}, ${U.carol} (team 'Ops' (all))`)
    const payload = await srv.ctx.store.db
      .selectFrom('notifications')
      .select('payload')
      .where('alert_id', '=', id)
      .where('rule_index', '=', 1)
      .where('cycle', '=', 0)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(payload.payload)).toMatchObject({
      actionType: 'create-alert',
      title: expect.stringMatching(/^\[P3\] #\d+ disk full \d+$/),
      body: `Escalation 'Ops_escalation', rule 2: you are on call in schedule 'Ops primary'.`,
      alert: { id, status: 'open', priority: 'P3', teamId: ops.teamId },
    })
  })

  it('stops paging on ack and resumes with the next pass on unack', async () => {
    const id = await alert()
    await tick()
    await runFor(srv, clock, 3)
    expect((await ops.users.alice('POST', `/v2/alerts/${id}/acknowledge`, {})).status).toBe(202)
    await runFor(srv, clock, 17)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice'])
    const lines = await logs(ops.key, id)
    expect(lines).toContain('rule 2, cycle 0: skipped, the alert is acknowledged')
    expect(lines).toContain('rule 3, cycle 0: skipped, the alert is acknowledged')
    expect((await ops.users.alice('POST', `/v2/alerts/${id}/unacknowledge`, {})).status).toBe(202)
    await runFor(srv, clock, 20)
    // Skipped steps stay skipped (no stale pages); the next pass starts on time.
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice', '+30 r0 c1 alice', '+35 r1 c1 dave'])
  })

  it('pauses while snoozed and starts over when the snooze ends', async () => {
    const id = await alert()
    await tick()
    await runFor(srv, clock, 2)
    const end = new Date(clock.now() + 10 * MIN).toISOString()
    expect((await ops.key('POST', `/v2/alerts/${id}/snooze`, { endTime: end, user: U.bob })).status).toBe(202)
    await runFor(srv, clock, 9)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice'])
    await runFor(srv, clock, 16)
    // The restart is a new epoch: cycle 1000, delays counted from the snooze's end (+12).
    expect(await pages(srv, id)).toEqual([
      '+0 r0 c0 alice',
      '+12 r0 c1000 alice',
      '+17 r1 c1000 dave',
      '+27 r2 c1000 alice',
      '+27 r2 c1000 bob',
      '+27 r2 c1000 carol',
    ])
    expect(await logs(ops.key, id)).toContain(`Escalation paused until ${end}; it starts again then`)
  })

  it('jumps to the next level on escalate-to-next, and keeps later steps on time', async () => {
    const id = await alert()
    await tick()
    await runFor(srv, clock, 1)
    const r = await ops.key('POST', `/v2/alerts/${id}/escalate`, { escalation: { name: 'Ops_escalation' } })
    expect(r.status).toBe(202)
    await tick()
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice', '+1 r1 c0 dave'])
    await runFor(srv, clock, 14)
    expect(await pages(srv, id)).toEqual([
      '+0 r0 c0 alice',
      '+1 r1 c0 dave',
      '+15 r2 c0 alice',
      '+15 r2 c0 bob',
      '+15 r2 c0 carol',
    ])
    await ops.key('POST', `/v2/alerts/${id}/close`, {})
  })

  it('repeats and closes the alert after all repeats, telling who was paged', async () => {
    const short = await policyFor(
      'Short',
      [{ delay: { timeAmount: 0 }, recipient: { type: 'user', username: U.bob } }],
      { waitInterval: 5, count: 2, resetRecipientStates: false, closeAlertAfterAll: true },
    )
    await routeTag('short', short)
    const id = await alert({ tags: ['short'] })
    await tick()
    await runFor(srv, clock, 16)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 bob', '+5 r0 c1 bob', '+10 r0 c2 bob'])
    const a = await ops.key<Json>('GET', `/v2/alerts/${id}`)
    expect(a.body.data.status).toBe('closed')
    const lines = await logs(ops.key, id)
    expect(lines).toContain(`Routed by rule 'tag short' to policy 'Short'`)
    expect(lines).toContain(
      'Closing: every repeat of the escalation is used up and the policy closes the alert after all',
    )
    expect(lines).toContain('Alert closed by Vigil via escalation (all repeats used up)')
    expect(await notices(srv, id)).toEqual(['closed-alert bob'])
  })

  it('catches up after 20 minutes of downtime with one tick, firing each missed step once', async () => {
    const id = await alert()
    await tick()
    clock.advance(20 * MIN)
    const r = await tick()
    expect(r.steps).toBeGreaterThanOrEqual(2)
    expect(await pages(srv, id)).toEqual([
      '+0 r0 c0 alice',
      '+20 r1 c0 dave',
      '+20 r2 c0 alice',
      '+20 r2 c0 bob',
      '+20 r2 c0 carol',
    ])
    expect((await tick()).notifications).toBe(0)
    const lines = await logs(ops.key, id)
    expect(lines).toContain(
      `rule 2, cycle 0: notifying ${U.dave} (on call in schedule 'Ops primary', late by 15 min)`,
    )
    expect(lines.filter((l) => l.startsWith('rule 2, cycle 0'))).toHaveLength(1)
    await ops.key('POST', `/v2/alerts/${id}/close`, {})
  })

  it('tells the people already paged about ack, assign, note and close, never the actor', async () => {
    const id = await alert()
    await tick()
    await runFor(srv, clock, 5)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice', '+5 r1 c0 dave'])
    expect((await ops.users.alice('POST', `/v2/alerts/${id}/acknowledge`, {})).status).toBe(202)
    await ops.users.alice('POST', `/v2/alerts/${id}/notes`, { note: 'looking at the disk' })
    await ops.users.alice('POST', `/v2/alerts/${id}/assign`, { owner: { username: U.erin } })
    await ops.users.bob('POST', `/v2/alerts/${id}/close`, {})
    expect(await notices(srv, id)).toEqual([
      'acknowledged-alert dave',
      'add-note dave',
      'assigned-alert dave',
      'assigned-alert erin',
      'closed-alert alice',
      'closed-alert dave',
    ])
    const note = await srv.ctx.store.db
      .selectFrom('notifications')
      .select(['payload', 'key'])
      .where('alert_id', '=', id)
      .where('action_type', '=', 'add-note')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(note.payload)).toMatchObject({
      actionType: 'add-note',
      actor: U.alice,
      body: `${U.alice} wrote: looking at the disk`,
    })
    // A closed alert pages nobody any more.
    await runFor(srv, clock, 40)
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 alice', '+5 r1 c0 dave'])
  })

  it('logs "nobody on call" and notifies the team admins instead', async () => {
    const fx = fixtures(srv)
    const later = await fx.owner<Json>('POST', '/v2/schedules', {
      name: 'Later',
      timezone: 'UTC',
      ownerTeam: { id: ops.teamId },
      rotations: [
        {
          startDate: '2027-01-04T00:00:00Z',
          type: 'weekly',
          length: 1,
          participants: [{ type: 'user', username: U.erin }],
        },
      ],
    })
    expect(later.status, JSON.stringify(later.body)).toBe(201)
    const gap = await policyFor('Gap', [
      { delay: { timeAmount: 0 }, recipient: { type: 'schedule', id: later.body.data.id } },
    ])
    await routeTag('gap', gap)
    const id = await alert({ tags: ['gap'] })
    await tick()
    expect(await pages(srv, id)).toEqual(['+0 r0 c0 carol'])
    expect(await logs(ops.key, id)).toContain(
      `rule 1, cycle 0: nobody is on call in schedule 'Later'; notifying team 'Ops' admins ${U.carol}`,
    )
    await ops.key('POST', `/v2/alerts/${id}/close`, {})
  })

  it('exposes steps, lateness and due runs as Prometheus metrics', async () => {
    const text = await srv.ctx.metrics.registry.metrics()
    expect(text).toMatch(/vigil_escalation_steps_total\{outcome="notified"\} [1-9]/)
    expect(text).toMatch(/vigil_escalation_steps_total\{outcome="nobody"\} [1-9]/)
    expect(text).toMatch(/vigil_escalation_step_lateness_seconds_count [1-9]/)
    expect(text).toContain('vigil_escalation_runs_due')
  })
})
