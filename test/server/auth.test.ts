import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { LOGIN_ATTEMPTS_PER_MINUTE } from '../../server/api/auth/routes'
import { AUTH_CACHE } from '../../server/auth/authenticate'
import { hashToken } from '../../server/auth/tokens'
import { api, login, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

type Body = { data?: any; message?: string; took?: number; requestId?: string; result?: string }

describe.each(kinds)('auth over HTTP on $name', ({ name }) => {
  let s: TestServer
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12))
  const call = (method: string, path: string, auth?: string, body?: unknown) =>
    api<Body>(s.url, method, path, auth, body)
  const bearer = (t: string) => `Bearer ${t}`

  async function newUser(username: string, role = 'user', password = 'a long enough password') {
    const res = await call('POST', '/api/v1/users', bearer(s.ownerToken), {
      username,
      fullName: username.split('@')[0],
      role,
      password,
    })
    expect(res.status).toBe(201)
    return { id: res.body.data.id as string, token: await login(s.url, username, password) }
  }

  async function newIntegration(flags: Record<string, unknown> = {}, teamId = s.teamId) {
    const res = await call('POST', '/api/v1/integrations', bearer(s.ownerToken), {
      name: `key-${Math.random().toString(36).slice(2, 8)}`,
      type: 'API',
      teamId,
      ...flags,
    })
    expect(res.status).toBe(201)
    return { id: res.body.data.id as string, key: res.body.data.apiKey as string }
  }

  function expectError(res: { status: number; body: Body }, status: number, message?: string | RegExp) {
    expect(res.status).toBe(status)
    expect(typeof res.body.message).toBe('string')
    if (message !== undefined) expect(res.body.message).toMatch(message)
    expect(typeof res.body.took).toBe('number')
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/)
  }

  beforeAll(async () => {
    s = await startTestServer({ kind: name, clock })
  })
  afterAll(async () => s?.close())

  it('logs in and answers who am I', async () => {
    const res = await call('POST', '/api/v1/auth/login', undefined, {
      username: TEST_OWNER.email.toUpperCase(),
      password: TEST_OWNER.password,
    })
    expect(res.status).toBe(200)
    expect(res.body.data.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(res.body.data.expiresAt).toBe(new Date(clock.now() + s.ctx.config.sessionTtlMs).toISOString())
    expect(res.body.data.user).toMatchObject({ username: TEST_OWNER.email, role: 'owner', fullName: 'Owner' })
    expect(res.body.data.user.id).toBeTypeOf('string')
    expect(typeof res.body.took).toBe('number')
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/)

    const me = await call('GET', '/api/v1/auth/me', bearer(res.body.data.token))
    expect(me.status).toBe(200)
    expect(me.body.data.kind).toBe('user')
    expect(me.body.data.user.username).toBe(TEST_OWNER.email)
    expect(me.body.data.user).not.toHaveProperty('password_hash')
    expect(me.body.data.teams).toEqual([
      expect.objectContaining({ id: s.teamId, name: 'Default', role: 'admin' }),
    ])
  })

  it('stores only hashes of session tokens', async () => {
    const rows = await s.ctx.store.db.selectFrom('sessions').select('token_hash').execute()
    expect(rows.length).toBeGreaterThan(0)
    for (const r of rows) {
      expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(r.token_hash).not.toBe(s.ownerToken)
    }
  })

  it('refuses a wrong password or an unknown user alike', async () => {
    const wrong = await call('POST', '/api/v1/auth/login', undefined, {
      username: TEST_OWNER.email,
      password: 'not the password',
    })
    expectError(wrong, 401, 'Invalid username or password')
    const unknown = await call('POST', '/api/v1/auth/login', undefined, {
      username: 'nobody@vigil.test',
      password: 'not the password',
    })
    expectError(unknown, 401, wrong.body.message)
    expectError(await call('POST', '/api/v1/auth/login', undefined, { username: 'x' }), 422)
  })

  it('answers 401 JSON without credentials or with unknown ones', async () => {
    for (const auth of [undefined, 'Bearer nope', 'GenieKey nope', 'Basic Zm9vOmJhcg==', 'GenieKey']) {
      const res = await call('GET', '/api/v1/auth/me', auth)
      expectError(res, 401, 'Could not authenticate')
      expect(res.headers.get('x-request-id')).toBe(res.body.requestId)
    }
  })

  it('logs out: the token stops working at once', async () => {
    const token = await login(s.url, TEST_OWNER.email, TEST_OWNER.password)
    expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(200)
    const out = await call('POST', '/api/v1/auth/logout', bearer(token))
    expect(out.status).toBe(200)
    expect(out.body.result).toBe('Logged out')
    expectError(await call('GET', '/api/v1/auth/me', bearer(token)), 401)
    // Other sessions of the same user are untouched.
    expect((await call('GET', '/api/v1/auth/me', bearer(s.ownerToken))).status).toBe(200)
  })

  it('expires sessions by the injected clock', async () => {
    const token = await login(s.url, TEST_OWNER.email, TEST_OWNER.password)
    expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(200)
    clock.advance(s.ctx.config.sessionTtlMs - 1000)
    expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(200)
    clock.advance(1000)
    expectError(await call('GET', '/api/v1/auth/me', bearer(token)), 401, /expired/)
    // The suite's long-lived owner token was created earlier and has expired too: renew it.
    s.ownerToken = await login(s.url, TEST_OWNER.email, TEST_OWNER.password)
  })

  it('sees a revocation made by another instance within the cache TTL', async () => {
    const token = await login(s.url, TEST_OWNER.email, TEST_OWNER.password)
    expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(200)
    // Another server instance revokes the session: only the shared store changes, not this cache.
    await s.ctx.store.db
      .updateTable('sessions')
      .set({ revoked_at: clock.now() })
      .where('token_hash', '=', hashToken(token))
      .execute()
    clock.advance(AUTH_CACHE.ttlMs)
    expectError(await call('GET', '/api/v1/auth/me', bearer(token)), 401, /revoked/)
  })

  it('blocks a user: their sessions end and login is refused', async () => {
    const u = await newUser('blocked@vigil.test')
    expect((await call('GET', '/api/v1/auth/me', bearer(u.token))).status).toBe(200)
    const res = await call('PATCH', `/api/v1/users/${u.id}`, bearer(s.ownerToken), { blocked: true })
    expect(res.status).toBe(200)
    expectError(await call('GET', '/api/v1/auth/me', bearer(u.token)), 401)
    const again = await call('POST', '/api/v1/auth/login', undefined, {
      username: 'blocked@vigil.test',
      password: 'a long enough password',
    })
    expectError(again, 401, 'Invalid username or password')
  })

  it('deleting a user ends their sessions at once', async () => {
    const u = await newUser('deleted@vigil.test')
    expect((await call('GET', '/api/v1/auth/me', bearer(u.token))).status).toBe(200)
    expect((await call('DELETE', `/api/v1/users/${u.id}`, bearer(s.ownerToken))).status).toBe(200)
    expectError(await call('GET', '/api/v1/auth/me', bearer(u.token)), 401)
  })

  it('authenticates GenieKey (scheme in any case) as the integration', async () => {
    for (const scheme of ['GenieKey', 'geniekey', 'GENIEKEY']) {
      const res = await call('GET', '/api/v1/auth/me', `${scheme} ${s.apiKey}`)
      expect(res.status).toBe(200)
      expect(res.body.data).toMatchObject({
        kind: 'key',
        integration: { name: 'Bootstrap API', teamId: s.teamId },
      })
    }
    expectError(await call('GET', '/api/v1/auth/me', `GenieKey ${s.apiKey}x`), 401, 'Could not authenticate')
  })

  it('refuses a disabled integration with 401 at once, and takes it back when enabled', async () => {
    const { id, key } = await newIntegration()
    expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(200)
    await call('PATCH', `/api/v1/integrations/${id}`, bearer(s.ownerToken), { enabled: false })
    expectError(await call('GET', '/api/v1/auth/me', `GenieKey ${key}`), 401, 'Integration is disabled')
    await call('PATCH', `/api/v1/integrations/${id}`, bearer(s.ownerToken), { enabled: true })
    expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(200)
  })

  it('rotates a key: the old one stops working immediately, the new one works', async () => {
    const { id, key } = await newIntegration()
    expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(200)
    const rotated = await call('POST', `/api/v1/integrations/${id}/rotate-key`, bearer(s.ownerToken))
    expect(rotated.status).toBe(200)
    const fresh = rotated.body.data.apiKey as string
    expect(fresh).toMatch(/^vgk_/)
    expect(fresh).not.toBe(key)
    expectError(await call('GET', '/api/v1/auth/me', `GenieKey ${key}`), 401, 'Could not authenticate')
    expect((await call('GET', '/api/v1/auth/me', `GenieKey ${fresh}`)).status).toBe(200)
    const row = await s.ctx.store.db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    expect(JSON.stringify(row)).not.toContain(fresh)
  })

  it('deleting an integration invalidates its key at once', async () => {
    const { id, key } = await newIntegration()
    expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(200)
    expect((await call('DELETE', `/api/v1/integrations/${id}`, bearer(s.ownerToken))).status).toBe(200)
    expectError(await call('GET', '/api/v1/auth/me', `GenieKey ${key}`), 401)
  })

  it('applies access flags of keys on configuration routes', async () => {
    const noConfig = await newIntegration({ allowConfigurationAccess: false })
    expectError(
      await call('GET', `/api/v1/teams/${s.teamId}`, `GenieKey ${noConfig.key}`),
      403,
      /configuration/,
    )

    const readOnly = await newIntegration({ allowConfigurationAccess: true, allowWriteAccess: false })
    const auth = `GenieKey ${readOnly.key}`
    expect((await call('GET', `/api/v1/teams/${s.teamId}`, auth)).status).toBe(200)
    expect((await call('GET', '/api/v1/integrations', auth)).status).toBe(200)
    const write = await call('POST', '/api/v1/integrations', auth, {
      name: 'x',
      type: 'API',
      teamId: s.teamId,
    })
    expectError(write, 403, /write access/)
    expectError(await call('PATCH', `/api/v1/teams/${s.teamId}`, auth, { description: 'x' }), 403, /write/)

    const full = await newIntegration({ allowConfigurationAccess: true })
    const created = await call('POST', '/api/v1/integrations', `GenieKey ${full.key}`, {
      name: 'made by a key',
      type: 'Grafana',
      teamId: s.teamId,
    })
    expect(created.status).toBe(201)
    // Keys never manage accounts, whatever their flags.
    const user = await call('POST', '/api/v1/users', `GenieKey ${full.key}`, {
      username: 'bykey@vigil.test',
      fullName: 'k',
      role: 'user',
    })
    expectError(user, 403)
    expectError(await call('GET', '/api/v1/users', `GenieKey ${full.key}`), 403)
  })

  it("keeps a key with configuration access to its own team's objects", async () => {
    const other = await call('POST', '/api/v1/teams', bearer(s.ownerToken), { name: 'Other team' })
    expect(other.status).toBe(201)
    const otherId = other.body.data.id as string
    const { key } = await newIntegration({ allowConfigurationAccess: true })
    const auth = `GenieKey ${key}`
    expectError(await call('GET', `/api/v1/teams/${otherId}`, auth), 403, /own team/)
    const teams = await call('GET', '/api/v1/teams', auth)
    expect(teams.body.data.map((t: { id: string }) => t.id)).toEqual([s.teamId])
    const foreign = await call('POST', '/api/v1/integrations', auth, {
      name: 'x',
      type: 'API',
      teamId: otherId,
    })
    expectError(foreign, 403, /own team/)
    const theirs = await newIntegration({}, otherId)
    expectError(await call('GET', `/api/v1/integrations/${theirs.id}`, auth), 403)
    expectError(await call('POST', `/api/v1/integrations/${theirs.id}/rotate-key`, auth), 403)
  })

  it('rate-limits login attempts per address and username', async () => {
    const body = { username: 'ratelimited@vigil.test', password: 'wrong password' }
    const statuses: number[] = []
    for (let i = 0; i <= LOGIN_ATTEMPTS_PER_MINUTE; i++) {
      statuses.push((await call('POST', '/api/v1/auth/login', undefined, body)).status)
    }
    expect(statuses.slice(0, LOGIN_ATTEMPTS_PER_MINUTE).every((st) => st === 401)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
    // Another username from the same address is not locked out.
    expect(
      (await call('POST', '/api/v1/auth/login', undefined, { ...body, username: 'x@vigil.test' })).status,
    ).toBe(401)
  })
})
