import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

type Body = {
  data?: any
  message?: string
  errors?: Record<string, string>
  result?: string
  totalCount?: number
}
const PASSWORD = 'a long enough password'

describe.each(kinds)('admin API on $name', ({ name }) => {
  let s: TestServer
  let owner: string
  const call = (method: string, path: string, auth?: string, body?: unknown) =>
    api<Body>(s.url, method, path, auth, body)

  async function createUser(username: string, role: string, auth = owner) {
    const res = await call('POST', '/api/v1/users', auth, {
      username,
      fullName: username,
      role,
      password: PASSWORD,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return { id: res.body.data.id as string, auth: `Bearer ${await login(s.url, username, PASSWORD)}` }
  }

  async function createTeam(teamName: string) {
    const res = await call('POST', '/api/v1/teams', owner, { name: teamName })
    expect(res.status).toBe(201)
    return res.body.data.id as string
  }

  beforeAll(async () => {
    s = await startTestServer({ kind: name })
    owner = `Bearer ${s.ownerToken}`
  })
  afterAll(async () => s?.close())

  describe('users', () => {
    it('creates, reads, lists, updates and deletes', async () => {
      const created = await call('POST', '/api/v1/users', owner, {
        username: 'Ann@Example.com',
        fullName: 'Ann Smith',
        role: 'user',
        timeZone: 'Europe/Berlin',
        password: PASSWORD,
      })
      expect(created.status).toBe(201)
      const ann = created.body.data
      expect(ann).toMatchObject({
        username: 'ann@example.com',
        fullName: 'Ann Smith',
        role: 'user',
        timeZone: 'Europe/Berlin',
        blocked: false,
        hasPassword: true,
      })
      expect(JSON.stringify(created.body)).not.toMatch(/argon2|password_hash|a long enough/)

      expect((await call('GET', `/api/v1/users/${ann.id}`, owner)).body.data.id).toBe(ann.id)
      expect((await call('GET', '/api/v1/users/ANN@example.com', owner)).body.data.id).toBe(ann.id)
      const list = await call('GET', '/api/v1/users?query=smith', owner)
      expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([ann.id])
      expect(list.body.totalCount).toBe(1)
      const all = await call('GET', '/api/v1/users?limit=1&offset=0', owner)
      expect(all.body.data).toHaveLength(1)
      expect(all.body.totalCount).toBeGreaterThanOrEqual(2)

      const patched = await call('PATCH', `/api/v1/users/${ann.id}`, owner, {
        fullName: 'Ann S.',
        role: 'observer',
      })
      expect(patched.status).toBe(200)
      expect(patched.body.data).toMatchObject({ fullName: 'Ann S.', role: 'observer' })

      expect((await call('DELETE', `/api/v1/users/${ann.id}`, owner)).status).toBe(200)
      const gone = await call('GET', `/api/v1/users/${ann.id}`, owner)
      expect(gone.status).toBe(404)
      expect(gone.body.message).toMatch(/does not exist/)
      expect((await call('DELETE', `/api/v1/users/${ann.id}`, owner)).status).toBe(404)
    })

    it('refuses duplicates with 409 and bad fields with 422 per field', async () => {
      const body = { username: 'dup@example.com', fullName: 'Dup', role: 'user' }
      expect((await call('POST', '/api/v1/users', owner, body)).status).toBe(201)
      const dup = await call('POST', '/api/v1/users', owner, { ...body, username: 'DUP@example.com' })
      expect(dup.status).toBe(409)

      const tz = await call('POST', '/api/v1/users', owner, {
        ...body,
        username: 'tz@example.com',
        timeZone: 'Mars/Base',
      })
      expect(tz.status).toBe(422)
      expect(tz.body.errors).toHaveProperty('timeZone')
      const short = await call('POST', '/api/v1/users', owner, {
        ...body,
        username: 'pw@example.com',
        password: 'short',
      })
      expect(short.status).toBe(422)
      expect(short.body.errors).toHaveProperty('password')
      const bad = await call('POST', '/api/v1/users', owner, {
        username: 'not-an-email',
        fullName: 'x',
        role: 'king',
      })
      expect(bad.status).toBe(422)
      expect(Object.keys(bad.body.errors ?? {})).toEqual(expect.arrayContaining(['username', 'role']))
      const extra = await call('POST', '/api/v1/users', owner, {
        ...body,
        username: 'e@example.com',
        admin: true,
      })
      expect(extra.status).toBe(422)

      const other = await createUser('rename@example.com', 'user')
      const clash = await call('PATCH', `/api/v1/users/${other.id}`, owner, { username: 'dup@example.com' })
      expect(clash.status).toBe(409)
    })

    it('lets users change their own profile, with the current password for a new one', async () => {
      const u = await createUser('self@example.com', 'user')
      const me = (await call('GET', '/api/v1/auth/me', u.auth)).body.data.user.id
      expect((await call('PATCH', `/api/v1/users/${me}`, u.auth, { fullName: 'Me Myself' })).status).toBe(200)
      expect((await call('PATCH', `/api/v1/users/${me}`, u.auth, { role: 'admin' })).status).toBe(403)
      expect((await call('PATCH', `/api/v1/users/${s.teamId}`, u.auth, { fullName: 'x' })).status).toBe(404)

      const second = `Bearer ${await login(s.url, 'self@example.com', PASSWORD)}`
      const noCurrent = await call('PATCH', `/api/v1/users/${me}`, u.auth, {
        password: 'a brand new password',
      })
      expect(noCurrent.status).toBe(422)
      expect(noCurrent.body.errors).toHaveProperty('currentPassword')
      const changed = await call('PATCH', `/api/v1/users/${me}`, u.auth, {
        password: 'a brand new password',
        currentPassword: PASSWORD,
      })
      expect(changed.status).toBe(200)
      // The session that changed the password lives on; every other session of the user ends.
      expect((await call('GET', '/api/v1/auth/me', u.auth)).status).toBe(200)
      expect((await call('GET', '/api/v1/auth/me', second)).status).toBe(401)
      await login(s.url, 'self@example.com', 'a brand new password')
    })
  })

  describe('roles', () => {
    it('protects the last owner and the owner role', async () => {
      const me = (await call('GET', '/api/v1/auth/me', owner)).body.data.user.id
      const demote = await call('PATCH', `/api/v1/users/${me}`, owner, { role: 'admin' })
      expect(demote.status).toBe(409)
      expect(demote.body.message).toMatch(/last owner/)
      expect((await call('PATCH', `/api/v1/users/${me}`, owner, { blocked: true })).status).toBe(409)
      expect((await call('DELETE', `/api/v1/users/${me}`, owner)).status).toBe(409)

      const admin = await createUser('admin@example.com', 'admin')
      const grant = await call('POST', '/api/v1/users', admin.auth, {
        username: 'o2@example.com',
        fullName: 'o',
        role: 'owner',
      })
      expect(grant.status).toBe(403)
      expect((await call('PATCH', `/api/v1/users/${me}`, admin.auth, { fullName: 'x' })).status).toBe(403)
      expect((await call('DELETE', `/api/v1/users/${me}`, admin.auth)).status).toBe(403)
      const promoteSelf = await call('PATCH', `/api/v1/users/${admin.id}`, admin.auth, { role: 'owner' })
      expect(promoteSelf.status).toBe(403)

      // With a second owner, the first may step down; the second is then the last.
      const second = await createUser('owner2@example.com', 'owner')
      const down = await call('PATCH', `/api/v1/users/${me}`, owner, { role: 'admin' })
      expect(down.status).toBe(200)
      expect((await call('DELETE', `/api/v1/users/${second.id}`, second.auth)).status).toBe(409)
      // The demotion took effect on the live session: the former owner can no longer touch owners.
      expect((await call('PATCH', `/api/v1/users/${second.id}`, owner, { fullName: 'x' })).status).toBe(403)
      expect((await call('PATCH', `/api/v1/users/${me}`, second.auth, { role: 'owner' })).status).toBe(200)
      expect((await call('DELETE', `/api/v1/users/${second.id}`, owner)).status).toBe(200)
    })

    it('lets observers read but not write', async () => {
      const obs = await createUser('observer@example.com', 'observer')
      expect((await call('GET', '/api/v1/users', obs.auth)).status).toBe(200)
      expect((await call('GET', '/api/v1/teams', obs.auth)).status).toBe(200)
      expect((await call('GET', `/api/v1/teams/${s.teamId}/members`, obs.auth)).status).toBe(200)
      expect((await call('GET', '/api/v1/integrations', obs.auth)).body.data.length).toBeGreaterThan(0)
      expect((await call('POST', '/api/v1/teams', obs.auth, { name: 'nope' })).status).toBe(403)
      const u = await call('POST', '/api/v1/users', obs.auth, {
        username: 'n@example.com',
        fullName: 'n',
        role: 'user',
      })
      expect(u.status).toBe(403)
      const i = await call('POST', '/api/v1/integrations', obs.auth, {
        name: 'n',
        type: 'API',
        teamId: s.teamId,
      })
      expect(i.status).toBe(403)
      // Even as a team admin, an observer stays read-only.
      await call('PUT', `/api/v1/teams/${s.teamId}/members/${obs.id}`, owner, { role: 'admin' })
      const i2 = await call('POST', '/api/v1/integrations', obs.auth, {
        name: 'n',
        type: 'API',
        teamId: s.teamId,
      })
      expect(i2.status).toBe(403)
    })

    it("scopes team admins to their team's members and integrations", async () => {
      const teamA = await createTeam('Team A')
      const teamB = await createTeam('Team B')
      const lead = await createUser('lead@example.com', 'user')
      const member = await createUser('member@example.com', 'user')
      expect(
        (await call('PUT', `/api/v1/teams/${teamA}/members/${lead.id}`, owner, { role: 'admin' })).status,
      ).toBe(201)

      // The promotion reaches the lead's existing session without a new login.
      const add = await call('POST', `/api/v1/teams/${teamA}/members`, lead.auth, {
        user: { username: 'member@example.com' },
      })
      expect(add.status).toBe(201)
      expect(add.body.data).toMatchObject({ role: 'user', user: { id: member.id } })
      expect(
        (await call('PUT', `/api/v1/teams/${teamA}/members/${member.id}`, lead.auth, { role: 'admin' }))
          .status,
      ).toBe(200)
      expect(
        (await call('PUT', `/api/v1/teams/${teamB}/members/${member.id}`, lead.auth, { role: 'user' }))
          .status,
      ).toBe(403)

      const mine = await call('POST', '/api/v1/integrations', lead.auth, {
        name: 'A key',
        type: 'API',
        teamId: teamA,
      })
      expect(mine.status).toBe(201)
      const theirs = await call('POST', '/api/v1/integrations', lead.auth, {
        name: 'B key',
        type: 'API',
        teamId: teamB,
      })
      expect(theirs.status).toBe(403)
      const move = await call('PATCH', `/api/v1/integrations/${mine.body.data.id}`, lead.auth, {
        teamId: teamB,
      })
      expect(move.status).toBe(403)
      expect((await call('POST', '/api/v1/teams', lead.auth, { name: 'Team C' })).status).toBe(403)
      expect((await call('DELETE', `/api/v1/teams/${teamA}`, lead.auth)).status).toBe(403)

      // Plain users see only their teams' integrations.
      const outsider = await createUser('outsider@example.com', 'user')
      expect((await call('GET', '/api/v1/integrations', outsider.auth)).body.data).toEqual([])
      expect((await call('GET', `/api/v1/integrations/${mine.body.data.id}`, outsider.auth)).status).toBe(403)
      const seen = (await call('GET', '/api/v1/integrations', member.auth)).body.data
      expect(seen.map((x: { id: string }) => x.id)).toEqual([mine.body.data.id])

      expect((await call('DELETE', `/api/v1/teams/${teamA}/members/${member.id}`, lead.auth)).status).toBe(
        200,
      )
      expect((await call('DELETE', `/api/v1/teams/${teamA}/members/${member.id}`, lead.auth)).status).toBe(
        404,
      )
      // Removal is effective at once: the former member no longer sees the team's integrations.
      expect((await call('GET', '/api/v1/integrations', member.auth)).body.data).toEqual([])
    })
  })
})
