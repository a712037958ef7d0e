import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { connect, type Doc, hasDoc, type SyncClient } from './sync-support'

type Json = Record<string, any>
const kinds = await storeKinds()
const PASSWORD = 'a long enough password 1'

describe.each(kinds)('sync authentication and authorization on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 25, 12, 0, 0))
  let srv: TestServer
  let fx: ReturnType<typeof fixtures>
  let teamB: string
  const tokens: Record<string, string> = {}
  const ids: Record<string, string> = {}
  const sockets: SyncClient[] = []
  let scheduleA: string
  let scheduleB: string

  const as = async (who: string) => {
    const s = await connect(srv.url, tokens[who])
    sockets.push(s)
    return s
  }
  const schedule = async (scheduleName: string, teamId: string) => {
    const r = await fx.owner<Json>('POST', '/v2/schedules', { name: scheduleName, ownerTeam: { id: teamId } })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id as string
  }

  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    fx = fixtures(srv)
    teamB = await fx.team('B team')
    for (const [who, role, team, teamRole] of [
      ['observer', 'observer', srv.teamId, 'user'],
      ['user', 'user', srv.teamId, 'user'],
      ['teamadmin', 'user', teamB, 'admin'],
      ['admin', 'admin', undefined, 'user'],
    ] as const) {
      const username = `${who}@vigil.test`
      ids[who] = (await fx.user(username, role, team, teamRole)).id
      tokens[who] = await login(srv.url, username, PASSWORD)
    }
    scheduleA = await schedule('A rota', srv.teamId)
    scheduleB = await schedule('B rota', teamB)
  })
  afterAll(async () => {
    for (const s of sockets) s.close()
    await srv?.close()
  })

  it('refuses a handshake without a token or with a bad one', async () => {
    await expect(connect(srv.url, undefined)).rejects.toThrow(/token is required/)
    await expect(connect(srv.url, 'not-a-token')).rejects.toThrow(/Could not authenticate/)
  })

  it('shows each role the documents of its teams only', async () => {
    const seen = async (who: string) => [...(await (await as(who)).pullAll('schedules')).docs.keys()].sort()
    expect(await seen('observer')).toEqual([scheduleA])
    expect(await seen('user')).toEqual([scheduleA])
    expect(await seen('teamadmin')).toEqual([scheduleB])
    expect(await seen('admin')).toEqual([scheduleA, scheduleB].sort())
    // `me` is the user's own contacts and rules, nobody else's.
    const me = await (await as('user')).pullAll('me')
    expect(me.docs.size).toBeGreaterThan(0)
    expect([...me.docs.values()].every((d) => d.userId === ids.user)).toBe(true)
  })

  it('lets observers read only, users edit their own me, team admins their team, admins everything', async () => {
    const stateOf = async (s: SyncClient, id: string) => (await s.pullAll('schedules')).docs.get(id) as Doc

    const observer = await as('observer')
    const a = await stateOf(observer, scheduleA)
    const o = await observer.push('schedules', [
      { assumedMasterState: a, newDocumentState: { ...a, name: 'x' } },
    ])
    expect(o).toEqual({
      ok: true,
      value: { conflicts: [a], rejected: [{ id: scheduleA, reason: 'Observers have read-only access' }] },
    })

    const user = await as('user')
    const u = await user.push('schedules', [{ assumedMasterState: a, newDocumentState: { ...a, name: 'x' } }])
    expect(u.ok && u.value.rejected[0]?.reason).toBe(
      'Only account admins and admins of this team may do this',
    )
    expect(u.ok && u.value.conflicts).toEqual([a])
    const contact = {
      id: `c-${name}`,
      _deleted: false,
      kind: 'contact',
      userId: ids.user,
      enabled: true,
      method: 'email',
      to: 'user@example.com',
    }
    expect(await user.push('me', [{ newDocumentState: contact }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const foreign = { ...contact, id: `c2-${name}`, userId: ids.admin }
    const f = await user.push('me', [{ newDocumentState: foreign }])
    expect(f.ok && f.value.rejected[0]?.reason).toBe(
      'You may only change your own contacts and notification rules',
    )
    const contacts = await fx.owner<Json>('GET', `/v2/users/${ids.user}/contacts`)
    expect(contacts.body.data.map((c: Json) => c.to)).toContain('user@example.com')
    const readOnly = await user.push('teams', [{ newDocumentState: { id: 'x', _deleted: false } as Doc }])
    expect(readOnly).toMatchObject({ ok: false, error: { code: 'invalid' } })

    const teamadmin = await as('teamadmin')
    const b = await stateOf(teamadmin, scheduleB)
    expect(
      await teamadmin.push('schedules', [
        { assumedMasterState: b, newDocumentState: { ...b, description: 'ours' } },
      ]),
    ).toEqual({ ok: true, value: { conflicts: [], rejected: [] } })
    const hidden = await teamadmin.push('schedules', [
      { assumedMasterState: a, newDocumentState: { ...a, name: 'y' } },
    ])
    expect(hidden.ok && hidden.value.rejected[0]?.reason).toBe('This id belongs to a document you cannot see')
    expect(hidden.ok && hidden.value.conflicts[0]).toMatchObject({ id: scheduleA, _deleted: true })

    const admin = await as('admin')
    expect(
      await admin.push('schedules', [
        { assumedMasterState: a, newDocumentState: { ...a, description: 'admin' } },
      ]),
    ).toEqual({ ok: true, value: { conflicts: [], rejected: [] } })
    const after = await fx.owner<Json>('GET', `/v2/schedules/${scheduleA}`)
    expect(after.body.data).toMatchObject({ name: 'A rota', description: 'admin' })
  })

  it('streams only what the viewer may see', async () => {
    const user = await as('user')
    await user.waitStream((m) => 'resync' in m && m.collection === 'me')
    expect((await fx.owner('PATCH', `/v2/schedules/${scheduleB}`, { description: 'b-secret' })).status).toBe(
      200,
    )
    expect((await fx.owner('PATCH', `/v2/schedules/${scheduleA}`, { description: 'a-visible' })).status).toBe(
      200,
    )
    await user.waitStream(hasDoc('schedules', (d) => d.description === 'a-visible'))
    const docs = user.streams.flatMap((m) => ('documents' in m ? m.documents : []))
    expect(docs.some((d) => d.id === scheduleB)).toBe(false)
  })

  it('moves a socket whose teams change and re-pulls from the start of the new scope', async () => {
    const user = await as('user')
    const { checkpoint } = await user.pullAll('schedules')
    const count = user.streams.length
    const m = await fx.owner('POST', `/api/v1/teams/${teamB}/members`, {
      user: { id: ids.user },
      role: 'user',
    })
    expect(m.status).toBe(201)
    await user.waitStream(
      (s) => user.streams.indexOf(s) >= count && 'resync' in s && s.collection === 'schedules',
    )
    const again = await user.pullAll('schedules', checkpoint)
    expect([...again.docs.keys()]).toContain(scheduleB)
    // The membership is a change of the team document too.
    await user.waitStream(
      hasDoc('teams', (d) => d.id === teamB && d.members.some((m: Doc) => m.userId === ids.user)),
    )
    // Leaving the team again: a pull under the old scope retracts the team's schedule.
    const inB = again.checkpoint
    const count2 = user.streams.length
    expect((await fx.owner('DELETE', `/api/v1/teams/${teamB}/members/${ids.user}`)).status).toBe(200)
    await user.waitStream(
      (s) => user.streams.indexOf(s) >= count2 && 'resync' in s && s.collection === 'schedules',
    )
    const after = await user.pullAll('schedules', inB)
    expect(after.docs.get(scheduleB)).toMatchObject({ id: scheduleB, _deleted: true })
    expect(after.docs.get(scheduleA)).toMatchObject({ id: scheduleA, _deleted: false })
  })

  it('disconnects a socket whose session is revoked or expired', async () => {
    const token = await login(srv.url, 'user@vigil.test', PASSWORD)
    const s = await connect(srv.url, token)
    sockets.push(s)
    const gone = new Promise((r) => s.socket.once('disconnect', r))
    expect((await client(srv.url, `Bearer ${token}`)('POST', '/api/v1/auth/logout')).status).toBe(200)
    await gone

    const other = await connect(srv.url, await login(srv.url, 'user@vigil.test', PASSWORD))
    sockets.push(other)
    clock.advance(13 * 3600_000)
    const r = await other.pull('alerts')
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(other.socket.connected).toBe(false)
  })
})
