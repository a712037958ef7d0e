import { expect } from 'vitest'
import type { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import type { client } from '../support/http'
import type { TestServer } from '../support/server'

type Json = Record<string, any>
type Client = ReturnType<typeof client>

/** A Monday, 09:00 UTC: the schedule's weekly rotation hands over at midnight UTC on Mondays. */
export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0)
export const MIN = 60_000

/** Usernames of the people of team Ops. */
export const U = {
  alice: 'alice@esc.test',
  bob: 'bob@esc.test',
  carol: 'carol@esc.test',
  dave: 'dave@esc.test',
  erin: 'erin@esc.test',
} as const

/** The Ops team: alice and bob (members), carol (team admin); dave and erin share the on-call schedule. */
export interface Ops {
  teamId: string
  key: Client
  users: Record<keyof typeof U, Client & { id: string }>
  scheduleId: string
  policyId: string
}

const rule = (delay: number, recipient: Json, notifyType = 'default', condition = 'if-not-acked') => ({
  condition,
  notifyType,
  delay: { timeAmount: delay },
  recipient,
})

/**
 * Team Ops with its people, a weekly schedule (dave this week, erin next) and the policy `Ops_escalation`
 * (so the team's default routing rule uses it): alice at 0 min, the schedule's on-call at 5, the whole
 * team at 15; one repeat after 15 more minutes, so a pass lasts 30 minutes.
 */
export async function setupOps(srv: TestServer, teamName = 'Ops'): Promise<Ops> {
  const fx = fixtures(srv)
  const teamId = await fx.team(teamName)
  const users = {
    alice: await fx.user(U.alice, 'user', teamId),
    bob: await fx.user(U.bob, 'user', teamId),
    carol: await fx.user(U.carol, 'user', teamId, 'admin'),
    dave: await fx.user(U.dave, 'user'),
    erin: await fx.user(U.erin, 'user'),
  }
  const s = await fx.owner<Json>('POST', '/v2/schedules', {
    name: `${teamName} primary`,
    timezone: 'UTC',
    ownerTeam: { id: teamId },
    rotations: [
      {
        name: 'weekly',
        startDate: '2026-03-02T00:00:00Z',
        type: 'weekly',
        length: 1,
        participants: [
          { type: 'user', username: U.dave },
          { type: 'user', username: U.erin },
        ],
      },
    ],
  })
  expect(s.status, JSON.stringify(s.body)).toBe(201)
  const p = await fx.owner<Json>('POST', '/v2/escalations', {
    name: `${teamName}_escalation`,
    ownerTeam: { id: teamId },
    rules: [
      rule(0, { type: 'user', username: U.alice }),
      rule(5, { type: 'schedule', id: s.body.data.id }),
      rule(15, { type: 'team', id: teamId }, 'all'),
    ],
    repeat: { waitInterval: 15, count: 1, resetRecipientStates: false, closeAlertAfterAll: false },
  })
  expect(p.status, JSON.stringify(p.body)).toBe(201)
  return {
    teamId,
    key: await fx.integrationKey(teamId),
    users,
    scheduleId: s.body.data.id,
    policyId: p.body.data.id,
  }
}

/** Creates an alert through the Alert API and returns its id (request status lookup). */
export async function createAlert(key: Client, body: Json): Promise<string> {
  const r = await key<Json>('POST', '/v2/alerts', body)
  expect(r.status, JSON.stringify(r.body)).toBe(202)
  const status = await key<Json>('GET', `/v2/alerts/requests/${r.body.requestId}`)
  expect(status.status, JSON.stringify(status.body)).toBe(200)
  return status.body.data.alertId
}

/** Every create-alert notification of an alert as "+min rRule cCycle username", in order. */
export async function pages(srv: TestServer, alertId: string): Promise<string[]> {
  const db = srv.ctx.store.db
  const alert = await db
    .selectFrom('alerts')
    .select('created_at')
    .where('id', '=', alertId)
    .executeTakeFirstOrThrow()
  const rows = await db
    .selectFrom('notifications')
    .innerJoin('users', 'users.id', 'notifications.user_id')
    .select(['notifications.created_at', 'rule_index', 'cycle', 'users.username'])
    .where('alert_id', '=', alertId)
    .where('action_type', '=', 'create-alert')
    .execute()
  return rows
    .map((r) => ({
      at: (Number(r.created_at) - Number(alert.created_at)) / MIN,
      text: `+${(Number(r.created_at) - Number(alert.created_at)) / MIN} r${r.rule_index} c${r.cycle} ${r.username.split('@')[0]}`,
    }))
    .sort((a, b) => a.at - b.at || a.text.localeCompare(b.text))
    .map((r) => r.text)
}

/** Notifications of other action types of an alert, as "type username". */
export async function notices(srv: TestServer, alertId: string): Promise<string[]> {
  const rows = await srv.ctx.store.db
    .selectFrom('notifications')
    .innerJoin('users', 'users.id', 'notifications.user_id')
    .select(['action_type', 'users.username'])
    .where('alert_id', '=', alertId)
    .where('action_type', '!=', 'create-alert')
    .execute()
  return rows.map((r) => `${r.action_type} ${r.username.split('@')[0]}`).sort()
}

/** The alert's log lines, oldest first. */
export async function logs(key: Client, alertId: string): Promise<string[]> {
  const r = await key<Json>('GET', `/v2/alerts/${alertId}/logs?limit=100&order=asc`)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return (r.body.data as Json[]).map((l) => l.log as string)
}

/** Moves the clock minute by minute, letting the engine look after each minute, as its timer would. */
export async function runFor(srv: TestServer, clock: ManualClock, minutes: number): Promise<void> {
  for (let i = 0; i < minutes; i++) {
    clock.advance(MIN)
    await srv.ctx.escalation.tick()
  }
}
