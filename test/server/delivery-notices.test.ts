import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import type { TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { deliveryServer, httpReceiver, ownerApi, userWith } from './delivery-helpers'

const kinds = await storeKinds()
const MIN = 60_000
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z')

describe.each(kinds)('"on call" and "shift ends" notices on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  const firstStart = Date.UTC(2026, 5, 1, 9, 0, 0)
  let srv: TestServer
  let rx: Awaited<ReturnType<typeof httpReceiver>>

  beforeAll(async () => {
    rx = await httpReceiver()
    srv = await deliveryServer(name, clock)
  })
  afterAll(async () => {
    await srv?.close()
    await rx?.close()
  })

  const notices = () =>
    srv.ctx.store.db
      .selectFrom('notifications')
      .select(['user_id', 'action_type', 'key'])
      .where('action_type', 'in', ['schedule-start', 'schedule-end'])
      .orderBy('key')
      .execute()

  it('tells people before their shift starts and ends, per their rules, exactly once', async () => {
    const hook = (who: string) => `${rx.base}/${who}`
    const shiftRule = (actionType: string, time: string, who: string) => ({
      name: `${actionType} ${who}`,
      actionType,
      notificationTime: [time],
      steps: [{ contact: { method: 'webhook', to: hook(who) }, sendAfter: { timeAmount: 0 } }],
    })
    const alice = await userWith(srv, 'alice@example.test', {
      contacts: [{ method: 'webhook', to: hook('alice') }],
      rules: [shiftRule('schedule-start', '15-minutes-ago', 'alice')],
    })
    const bob = await userWith(srv, 'bob@example.test', {
      contacts: [{ method: 'webhook', to: hook('bob') }],
      rules: [shiftRule('schedule-end', 'just-before', 'bob')],
    })
    await userWith(srv, 'carol@example.test', {})
    const s = await ownerApi(srv)<Record<string, any>>('POST', '/v2/schedules', {
      name: 'ops',
      timezone: 'UTC',
      ownerTeam: { name: 'Default' },
      rotations: [
        {
          name: 'primary',
          startDate: iso(firstStart),
          type: 'daily',
          length: 1,
          participants: [
            { type: 'user', id: alice },
            { type: 'user', id: bob },
            { type: 'user', username: 'carol@example.test' },
          ],
        },
      ],
    })
    expect(s.status, JSON.stringify(s.body)).toBe(201)
    const scheduleId = s.body.data.id as string

    await srv.ctx.delivery.runOnce()
    await srv.ctx.delivery.runOnce()
    // Written once however often the worker runs; only for people with a rule for it (not carol).
    expect(await notices()).toEqual([
      {
        user_id: alice,
        action_type: 'schedule-start',
        key: `schedule-start:${scheduleId}:${alice}:${firstStart}:${firstStart + 24 * 60 * MIN}`,
      },
    ])

    clock.set(firstStart - 15 * MIN - 1)
    await srv.ctx.delivery.runOnce()
    expect(rx.hits).toHaveLength(0)
    clock.set(firstStart - 15 * MIN)
    await srv.ctx.delivery.runOnce()
    expect(rx.hits.map((h) => h.path)).toEqual(['/alice'])
    const sent = rx.hits[0]?.body.notifications[0]
    expect(sent.title).toBe('You are on call for ops from 2026-06-01T09:00:00Z')
    expect(sent.shift).toEqual({
      scheduleId,
      scheduleName: 'ops',
      start: firstStart,
      end: firstStart + 24 * 60 * MIN,
    })

    // Bob's shift is the second day; its end (day three, 09:00) comes into view a day ahead.
    const bobEnd = firstStart + 2 * 24 * 60 * MIN
    clock.set(bobEnd - 24 * 60 * MIN)
    await srv.ctx.delivery.runOnce()
    expect((await notices()).filter((n) => n.user_id === bob).map((n) => n.action_type)).toEqual([
      'schedule-end',
    ])
    clock.set(bobEnd - MIN)
    await srv.ctx.delivery.runOnce()
    const bobHits = rx.hits.filter((h) => h.path === '/bob')
    expect(bobHits).toHaveLength(1)
    expect(bobHits[0]?.body.notifications[0].title).toBe('Your shift on ops ends at 2026-06-03T09:00:00Z')
    const states = await srv.ctx.store.db
      .selectFrom('deliveries')
      .select(['user_id', 'state'])
      .where('alert_id', 'is', null)
      .where('state', '=', 'sent')
      .execute()
    expect(states.filter((d) => d.user_id === bob)).toHaveLength(1)
  })
})
