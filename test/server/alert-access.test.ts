import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { startTestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('integration keys on alerts, on $name', ({ name }) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  let owner: ReturnType<typeof client>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
  })
  afterAll(async () => srv?.close())

  const key = (teamId: string, flags: Record<string, boolean> = {}) =>
    fixtures(srv).integrationKey(teamId, flags)

  it('honours the read, write and delete flags', async () => {
    const full = client(srv.url, `GenieKey ${srv.apiKey}`)
    const made = await full<Json>('POST', '/v2/alerts', { message: 'flags', alias: 'flags-1' })
    expect(made.status).toBe(202)
    const readOnly = await key(srv.teamId, { allowWriteAccess: false, allowDeleteAccess: false })
    expect((await readOnly<Json>('GET', '/v2/alerts/flags-1?identifierType=alias')).status).toBe(200)
    const denied = await readOnly<Json>('POST', '/v2/alerts', { message: 'x' })
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({
      message: expect.stringMatching(/write/),
      requestId: expect.any(String),
    })
    expect((await readOnly<Json>('POST', '/v2/alerts/flags-1/close?identifierType=alias', {})).status).toBe(
      403,
    )
    expect((await readOnly<Json>('DELETE', '/v2/alerts/flags-1?identifierType=alias')).status).toBe(403)
    const writeOnly = await key(srv.teamId, { allowReadAccess: false })
    expect((await writeOnly<Json>('GET', '/v2/alerts')).status).toBe(403)
    expect((await writeOnly<Json>('POST', '/v2/alerts', { message: 'y' })).status).toBe(202)
  })

  it('acts only on alerts of its own team', async () => {
    const team = await owner<Json>('POST', '/api/v1/teams', { name: `Other ${name}` })
    expect(team.status, JSON.stringify(team.body)).toBe(201)
    const other = await key(team.body.data.id)
    const mine = client(srv.url, `GenieKey ${srv.apiKey}`)
    await mine('POST', '/v2/alerts', { message: 'team A', alias: 'shared-alias' })
    // The same alias in another team is another alert: dedup is per team.
    const b = await other<Json>('POST', '/v2/alerts', { message: 'team B', alias: 'shared-alias' })
    const bStatus = (await other<Json>('GET', `/v2/alerts/requests/${b.body.requestId}`)).body.data
    expect(bStatus.status).toBe('Created alert')
    expect((await other<Json>('GET', '/v2/alerts')).body.data.map((a: Json) => a.message)).toEqual(['team B'])
    // Closing by alias from team B touches only team B's alert.
    await other('POST', '/v2/alerts/shared-alias/close?identifierType=alias', {})
    const a = await mine<Json>('GET', '/v2/alerts/shared-alias?identifierType=alias')
    expect(a.body.data).toMatchObject({ message: 'team A', status: 'open' })
    // Team A's alert id is invisible to team B's key.
    expect((await other<Json>('GET', `/v2/alerts/${a.body.data.id}`)).status).toBe(404)
    // The owner sees both.
    const both = await owner<Json>('GET', `/v2/alerts/count?query=${encodeURIComponent('message:team*')}`)
    expect(both.body.data.count).toBe(2)
  })
})
