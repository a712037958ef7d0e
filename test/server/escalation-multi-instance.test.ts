import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { stepKey } from '../../core/escalation'
import type { EscalationPolicy } from '../../core/model/escalation'
import type { RunState } from '../../server/engine/escalation/state'
import { openStore, type Store } from '../../server/store/store'
import { client } from '../support/http'
import { type ServerProcess, spawnServer } from '../support/process'
import { login } from '../support/server'
import { createPostgresSchema, postgresAvailable } from '../support/stores'

type Json = Record<string, any>
const KEY = 'multi-instance-key-0123456789abcdef'
const ADMIN = { email: 'owner@multi.test', password: 'multi-instance-password-1' }
const MIN = 60_000
const ALERTS = 400
/** Per alert: 3 passes × (alice, bob, then the team's three members). */
const PER_ALERT = 15

const pg = await postgresAvailable()

/*
 * Two real server processes on one PostgreSQL schema share the escalation work; one is SIGKILLed in the
 * middle of it. The processes run on the wall clock, so instead of waiting for minutes the runs are
 * inserted already 75 minutes old: most steps are overdue at once (the engines' catch-up path) and the
 * last step of each run falls due within the next few seconds, after the kill.
 */
describe.runIf(pg)('escalation with two server processes on one PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
  })

  it('never pages twice and misses nobody when one instance is SIGKILLed mid-escalation', async () => {
    const schema = await createPostgresSchema('vigil_multi')
    cleanups.push(schema.drop)
    const env = {
      VIGIL_DATABASE_URL: schema.url,
      VIGIL_BOOTSTRAP_API_KEY: KEY,
      VIGIL_ADMIN_EMAIL: ADMIN.email,
      VIGIL_ADMIN_PASSWORD: ADMIN.password,
      VIGIL_KEY_RATE_LIMIT: '10000000',
      VIGIL_ESCALATION_INTERVAL_MS: '100',
    }
    const servers: ServerProcess[] = []
    cleanups.push(async () => {
      for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    })
    const a = await spawnServer(env)
    servers.push(a)
    const b = await spawnServer(env)
    servers.push(b)
    const store: Store = await openStore({ databaseUrl: schema.url })
    cleanups.push(() => store.close())

    // People and a team, through the real API.
    const owner = client(a.url, `Bearer ${await login(a.url, ADMIN.email, ADMIN.password)}`)
    const team = await owner<Json>('POST', '/api/v1/teams', { name: 'Load' })
    expect(team.status).toBe(201)
    const teamId = team.body.data.id as string
    const ids: Record<string, string> = {}
    for (const name of ['alice', 'bob', 'carol']) {
      const u = await owner<Json>('POST', '/api/v1/users', {
        username: `${name}@multi.test`,
        fullName: name,
        role: 'user',
        password: 'a long enough password 1',
      })
      expect(u.status).toBe(201)
      ids[name] = u.body.data.id
      const m = await owner('POST', `/api/v1/teams/${teamId}/members`, {
        user: { id: ids[name] },
        role: 'user',
      })
      expect(m.status).toBe(201)
    }

    // Alerts through both instances; the Default team routes nowhere, so they start without runs.
    const key = [client(a.url, `GenieKey ${KEY}`), client(b.url, `GenieKey ${KEY}`)]
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        while (next < ALERTS) {
          const i = next++
          const r = await (key[w % 2] as (typeof key)[0])('POST', '/v2/alerts', {
            message: `m${i}`,
            alias: `mi-${i}`,
          })
          expect(r.status).toBe(202)
        }
      }),
    )
    const alerts = await store.db.selectFrom('alerts').select('id').where('alias', 'like', 'mi-%').execute()
    expect(alerts).toHaveLength(ALERTS)
    expect(await store.db.selectFrom('escalation_runs').select('alert_id').execute()).toHaveLength(0)

    const policy: EscalationPolicy = {
      id: 'multi',
      name: 'Multi',
      ownerTeamId: teamId,
      rules: [
        {
          condition: 'if-not-acked',
          delayMinutes: 0,
          recipient: { type: 'user', id: ids.alice as string },
          notifyType: 'default',
        },
        {
          condition: 'if-not-acked',
          delayMinutes: 5,
          recipient: { type: 'user', id: ids.bob as string },
          notifyType: 'default',
        },
        {
          condition: 'if-not-closed',
          delayMinutes: 15,
          recipient: { type: 'team', id: teamId },
          notifyType: 'all',
        },
      ],
      repeat: { waitIntervalMinutes: 15, count: 2, resetRecipientStates: false, closeAlertAfterAll: false },
    }
    const now = Date.now()
    const runs = alerts.map(({ id }, i) => {
      // The last step (pass 3, rule 3) is due 75 minutes after creation: 1 to 6 s from now.
      const createdAt = now - 75 * MIN + 1000 + Math.floor((i * 5000) / ALERTS)
      const state: RunState = {
        createdAt,
        acknowledged: false,
        closed: false,
        snoozes: [],
        escalateToNextRequests: [],
        fired: [],
      }
      return {
        alert_id: id,
        team_id: teamId,
        policy_id: null,
        policy: JSON.stringify(policy),
        state: JSON.stringify(state),
        next_wake_at: createdAt,
        created_at: now,
        updated_at: now,
      }
    })
    for (let i = 0; i < runs.length; i += 200) {
      await store.db
        .insertInto('escalation_runs')
        .values(runs.slice(i, i + 200))
        .execute()
    }

    const count = async () =>
      Number(
        (
          await store.db
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('action_type', '=', 'create-alert')
            .executeTakeFirstOrThrow()
        ).n,
      )
    const total = ALERTS * PER_ALERT
    // Kill one instance while the work is in flight: as soon as the first batch is committed (the last step
    // of every run is still seconds away then).
    const killBy = Date.now() + 20_000
    while ((await count()) === 0 && Date.now() < killBy) await new Promise((r) => setTimeout(r, 5))
    const atKill = await count()
    a.child.kill('SIGKILL')
    await a.exited
    expect(atKill).toBeGreaterThan(0)
    expect(atKill).toBeLessThan(total)

    const deadline = Date.now() + 60_000
    while ((await count()) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    // Give any stray duplicate time to show up before counting.
    await new Promise((r) => setTimeout(r, 1500))
    expect(await count()).toBe(total)

    const dupKeys = await store.db
      .selectFrom('notifications')
      .select(['key', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('key')
      .having(sql`count(*)`, '>', 1)
      .execute()
    expect(dupKeys).toEqual([])
    const dupSteps = await store.db
      .selectFrom('notifications')
      .select(['alert_id', 'rule_index', 'cycle', 'user_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['alert_id', 'rule_index', 'cycle', 'user_id'])
      .having(sql`count(*)`, '>', 1)
      .execute()
    expect(dupSteps).toEqual([])

    // None missing: exactly the expected (alert, rule, cycle, user) set.
    const rows = await store.db
      .selectFrom('notifications')
      .select(['key'])
      .where('action_type', '=', 'create-alert')
      .execute()
    const got = new Set(rows.map((r) => r.key))
    const team3 = [ids.alice, ids.bob, ids.carol] as string[]
    for (const { id } of alerts) {
      for (const cycle of [0, 1, 2]) {
        for (const [rule, users] of [
          [0, [ids.alice as string]],
          [1, [ids.bob as string]],
          [2, team3],
        ] as const) {
          for (const u of users)
            expect(got.has(stepKey(id, rule, cycle, u)), `${id} r${rule} c${cycle}`).toBe(true)
        }
      }
    }
    // Every run finished, and each step was logged once: no instance processed a step twice.
    const pending = await store.db
      .selectFrom('escalation_runs')
      .select('alert_id')
      .where('next_wake_at', 'is not', null)
      .execute()
    expect(pending).toEqual([])
    const dupLogs = await store.db
      .selectFrom('alert_logs')
      .select(['alert_id', 'log', (eb) => eb.fn.countAll<string>().as('n')])
      .where('type', '=', 'escalation')
      .groupBy(['alert_id', 'log'])
      .having(sql`count(*)`, '>', 1)
      .execute()
    expect(dupLogs).toEqual([])
    expect(b.child.exitCode).toBeNull()
    // How the work was shared: what the survivor wrote, by its own metric; the rest is the killed one's.
    const metrics = await (await fetch(`${b.url}/metrics`)).text()
    const byB = Number(/^vigil_escalation_notifications_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN)
    expect(byB).toBeGreaterThan(0)
    expect(byB).toBeLessThanOrEqual(total)
    console.info(`escalation multi-instance: ${atKill}/${total} written at the kill; survivor wrote ${byB}`)
  }, 120_000)
})
