/**
 * Sets up the escalation benchmark through the real API: a team with two members, a user paged
 * directly, a schedule whose only participant is always on call, a three-step policy (user, schedule,
 * team) routed from the team's first routing rule, and an API integration of the team.
 */
import { randomBytes } from 'node:crypto'
import type { ExpectedStep } from './analyze'
import { login, must } from './api'
import type { VigilCluster } from './servers'

/** What the run needs afterwards: the integration key and the expected recipients of each step. */
export interface EscalationFixture {
  teamId: string
  policyId: string
  apiKey: string
  steps: ExpectedStep[]
  ownerToken: string
}

const PASSWORD = 'bench password long enough 1'

/** Step delays in minutes (Opsgenie's unit): the longest wait in the run is the last one. */
export const STEP_DELAYS_MIN = [0, 1, 2] as const

/** Creates everything; `teamMembers` is the size of the team the third step notifies. */
export async function setUpEscalation(c: VigilCluster, teamMembers = 2): Promise<EscalationFixture> {
  const base = (c.instances[0] as { base: string }).base
  const token = await login(base, c.adminEmail, c.adminPassword)
  const auth = `Bearer ${token}`
  const tag = randomBytes(3).toString('hex')
  const user = async (name: string): Promise<{ id: string; username: string }> => {
    const username = `${name}-${tag}@vigil.bench`
    const d = await must<{ id: string }>(
      base,
      'POST',
      '/api/v1/users',
      auth,
      { username, fullName: name, role: 'user', password: PASSWORD },
      201,
    )
    return { id: d.id, username }
  }
  const direct = await user('direct')
  const onCall = await user('oncall')
  const members = []
  for (let i = 1; i <= teamMembers; i++) members.push(await user(`member${i}`))
  const teamName = `Bench Escalation ${tag}`
  const team = await must<{ id: string }>(
    base,
    'POST',
    '/v2/teams',
    auth,
    { name: teamName, members: members.map((m) => ({ user: { username: m.username }, role: 'user' })) },
    201,
  )
  const schedule = await must<{ id: string }>(
    base,
    'POST',
    '/v2/schedules',
    auth,
    {
      name: `bench-oncall-${tag}`,
      timezone: 'UTC',
      ownerTeam: { id: team.id },
      rotations: [
        {
          name: 'always',
          startDate: '2020-01-06T00:00:00Z',
          type: 'weekly',
          length: 1,
          participants: [{ type: 'user', username: onCall.username }],
        },
      ],
    },
    201,
  )
  const [d0, d1, d2] = STEP_DELAYS_MIN
  const policy = await must<{ id: string }>(
    base,
    'POST',
    '/v2/escalations',
    auth,
    {
      name: `bench-escalation-${tag}`,
      ownerTeam: { id: team.id },
      rules: [
        {
          condition: 'if-not-acked',
          notifyType: 'default',
          delay: { timeAmount: d0, timeUnit: 'minutes' },
          recipient: { type: 'user', username: direct.username },
        },
        {
          condition: 'if-not-acked',
          notifyType: 'default',
          delay: { timeAmount: d1, timeUnit: 'minutes' },
          recipient: { type: 'schedule', id: schedule.id },
        },
        {
          condition: 'if-not-acked',
          notifyType: 'all',
          delay: { timeAmount: d2, timeUnit: 'minutes' },
          recipient: { type: 'team', id: team.id },
        },
      ],
    },
    201,
  )
  await must(
    base,
    'POST',
    `/v2/teams/${team.id}/routing-rules`,
    auth,
    {
      name: 'bench: everything',
      criteria: { type: 'match-all' },
      notify: { type: 'escalation', id: policy.id },
    },
    201,
  )
  const integration = await must<{ apiKey?: string }>(
    base,
    'POST',
    '/api/v1/integrations',
    auth,
    { name: `bench-escalation-${tag}`, type: 'API', teamId: team.id },
    201,
  )
  if (!integration.apiKey) throw new Error('integration created without an apiKey')
  // The team step reaches whoever the store says is a member (the API may add more than we listed).
  const memberRows = await c.query<{ user_id: string }>(
    `select user_id from team_members where team_id = '${team.id.replace(/'/g, "''")}'`,
  )
  return {
    teamId: team.id,
    policyId: policy.id,
    apiKey: integration.apiKey,
    ownerToken: token,
    steps: [
      { ruleIndex: 0, delayMs: d0 * 60_000, label: 'a user', userIds: [direct.id] },
      { ruleIndex: 1, delayMs: d1 * 60_000, label: "the schedule's on-call", userIds: [onCall.id] },
      {
        ruleIndex: 2,
        delayMs: d2 * 60_000,
        label: `the team (${memberRows.length} members)`,
        userIds: memberRows.map((r) => r.user_id).sort(),
      },
    ],
  }
}
