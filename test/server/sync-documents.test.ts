/**
 * Every document the server serves validates against core/sync/documents.ts: the console's RxDB schemas
 * come from it, and a pulled document that fails them blocks replication (notes/rxdb.md §3, #6684).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_COLLECTIONS } from '../../core/sync/protocol'
import { documentProblem } from '../../server/sync/requests'
import { client } from '../support/http'
import { login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { connect, type SyncClient } from './sync-support'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('replicated documents on $name', ({ name }) => {
  let srv: TestServer
  let c: SyncClient

  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
    c = await connect(srv.url, srv.ownerToken)
  })
  afterAll(async () => {
    c?.close()
    await srv?.close()
  })

  it('match their schemas in every collection, deleted ones included', async () => {
    const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    const ok = (r: { status: number; body: unknown }, status = 201) =>
      expect(r.status, JSON.stringify(r.body)).toBe(status)
    ok(
      await key('POST', '/v2/alerts', {
        message: 'full alert',
        alias: 'full',
        description: 'd',
        responders: [{ type: 'team', id: srv.teamId, extra: 'dropped' }],
        tags: ['a', 'b'],
        details: { k: 'v' },
        actions: ['restart'],
        entity: 'e',
        priority: 'P1',
      }),
      202,
    )
    ok(await key('POST', '/v2/alerts/full/acknowledge?identifierType=alias', {}), 202)
    ok(
      await key('POST', '/v2/alerts/full/snooze?identifierType=alias', { endTime: '2099-01-01T00:00:00Z' }),
      202,
    )
    ok(
      await owner('POST', '/v2/heartbeats', {
        name: 'hb',
        interval: 5,
        intervalUnit: 'minutes',
        enabled: true,
        ownerTeam: { id: srv.teamId },
      }),
    )
    ok(await key('GET', '/v2/heartbeats/hb/ping'), 202)
    ok(
      await owner('POST', '/v1/maintenance', {
        time: { type: 'for-1-hour' },
        rules: [{ entity: { id: srv.teamId, type: 'team' } }],
      }),
    )
    const userDoc = await owner<Json>('POST', '/api/v1/users', {
      username: 'doc@vigil.test',
      fullName: 'Doc',
      role: 'user',
      password: 'a long enough password 1',
    })
    ok(userDoc)
    ok(
      await owner('POST', `/v2/users/${userDoc.body.data.id}/contacts`, {
        method: 'email',
        to: 'doc@example.com',
      }),
    )
    const sched = await owner<Json>('POST', '/v2/schedules', {
      name: 'docs',
      timezone: 'Europe/Berlin',
      ownerTeam: { id: srv.teamId },
      rotations: [
        {
          name: 'r',
          type: 'daily',
          startDate: '2026-03-01T09:00:00+01:00',
          participants: [{ type: 'user', username: 'doc@vigil.test' }, { type: 'none' }],
          timeRestriction: {
            type: 'time-of-day',
            restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
          },
        },
      ],
    })
    ok(sched)
    ok(
      await owner('POST', `/v2/schedules/${sched.body.data.id}/overrides`, {
        alias: 'o1',
        user: { type: 'user', username: 'doc@vigil.test' },
        startDate: '2026-04-01T00:00:00Z',
        endDate: '2026-04-02T00:00:00Z',
      }),
    )
    const pol = await owner<Json>('POST', '/v2/escalations', {
      name: 'pol',
      ownerTeam: { id: srv.teamId },
      rules: [
        {
          condition: 'if-not-acked',
          notifyType: 'default',
          delay: { timeAmount: 5 },
          recipient: { type: 'user', username: 'doc@vigil.test' },
        },
      ],
      repeat: { waitInterval: 10, count: 2, resetRecipientStates: false, closeAlertAfterAll: false },
    })
    ok(pol)
    ok(
      await owner('POST', `/v2/teams/${srv.teamId}/routing-rules`, {
        name: 'rr',
        criteria: {
          type: 'match-any-condition',
          conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
        },
        notify: { type: 'escalation', id: pol.body.data.id },
        timeRestriction: {
          type: 'time-of-day',
          restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
        },
      }),
    )
    // Deletions, so tombstones are served too.
    const gone = await owner<Json>('POST', '/v2/schedules', { name: 'gone', ownerTeam: { id: srv.teamId } })
    ok(gone)
    ok(await owner('DELETE', `/v2/schedules/${gone.body.data.id}`), 200)
    ok(await key('DELETE', '/v2/alerts/full?identifierType=alias'), 202)
    await c.push('alertCommands', [
      {
        newDocumentState: {
          id: 'cmd-doc',
          _deleted: false,
          alertId: 'missing',
          action: 'close',
          params: {},
          createdAt: 1,
          status: 'pending',
        },
      },
    ])

    const seen: Record<string, number> = {}
    for (const collection of SYNC_COLLECTIONS) {
      const { docs } = await c.pullAll(collection)
      seen[collection] = docs.size
      for (const d of docs.values()) {
        expect(documentProblem(collection, d), `${collection} ${JSON.stringify(d)}`).toBeUndefined()
      }
    }
    // `me` of a user with a contact and the default notification rules.
    const doc = await connect(srv.url, await login(srv.url, 'doc@vigil.test', 'a long enough password 1'))
    const me = await doc.pullAll('me')
    doc.close()
    seen.me = me.docs.size
    for (const d of me.docs.values()) expect(documentProblem('me', d), JSON.stringify(d)).toBeUndefined()
    expect(new Set([...me.docs.values()].map((d) => d.kind))).toEqual(
      new Set(['contact', 'notificationRule']),
    )
    for (const collection of SYNC_COLLECTIONS) expect(seen[collection], collection).toBeGreaterThan(0)
  })
})
