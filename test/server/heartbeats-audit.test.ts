import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('heartbeat changes in the audit log on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
  let srv: TestServer
  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
  })
  afterAll(async () => srv?.close())

  it('records create, update, disable, enable and delete with before and after, in the same transaction', async () => {
    const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    const created = await owner<Json>('POST', '/v2/heartbeats', {
      name: 'nightly-backup',
      interval: 10,
      intervalUnit: 'minutes',
      enabled: true,
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(
      (await owner('PATCH', '/v2/heartbeats/nightly-backup', { description: 'the backup job' })).status,
    ).toBe(200)
    expect((await owner('POST', '/v2/heartbeats/nightly-backup/disable')).status).toBe(200)
    // Disabling again changes nothing and records nothing.
    expect((await owner('POST', '/v2/heartbeats/nightly-backup/disable')).status).toBe(200)
    expect((await owner('POST', '/v2/heartbeats/nightly-backup/enable')).status).toBe(200)
    // A ping is not a configuration change.
    expect((await owner('GET', '/v2/heartbeats/nightly-backup/ping')).status).toBe(202)
    expect((await owner('DELETE', '/v2/heartbeats/nightly-backup')).status).toBe(200)

    const res = await owner<Json>('GET', '/api/v1/audit?entityType=heartbeat')
    expect(res.status).toBe(200)
    const entries = [...(res.body.data as Json[])].reverse()
    expect(entries.map((e) => e.action)).toEqual(['create', 'update', 'disable', 'enable', 'delete'])
    expect(entries.every((e) => e.entity.name === 'nightly-backup')).toBe(true)
    expect(entries.every((e) => e.actor.name === 'owner@vigil.test')).toBe(true)
    expect(entries[0]?.before).toBeNull()
    expect(entries[0]?.after).toMatchObject({ name: 'nightly-backup', interval: 10, enabled: true })
    expect(entries[1]?.before.description).toBe('')
    expect(entries[1]?.after.description).toBe('the backup job')
    expect([entries[2]?.before.enabled, entries[2]?.after.enabled]).toEqual([true, false])
    expect([entries[3]?.before.enabled, entries[3]?.after.enabled]).toEqual([false, true])
    expect(entries[4]?.before).toMatchObject({ name: 'nightly-backup', description: 'the backup job' })
    expect(entries[4]?.after).toBeNull()
    expect(entries[0]?.requestId).toBe(created.headers.get('x-request-id'))
  })
})
