import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { recordAudit, SYSTEM_ACTOR, systemOrigin } from '../../server/audit/record'
import { hashToken } from '../../server/auth/tokens'
import { api, login, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

type Body = { data?: any; message?: string; errors?: Record<string, string>; paging?: { next?: string } }
type Entry = {
  id: number
  at: string
  actor: { kind: string; id: string; name: string }
  action: string
  entity: { type: string; id: string; name: string }
  before: Record<string, any> | null
  after: Record<string, any> | null
  requestId: string | null
}
const PASSWORD = 'audit password that is long'
const NEW_PASSWORD = 'another audit password, longer'

describe.each(kinds)('audit log on $name', ({ name }) => {
  let s: TestServer
  let owner: string
  let ownerId: string
  const clock = new ManualClock(Date.UTC(2026, 2, 1))
  /** Every key shown to the test, to prove none of them (nor their hashes) reached the audit table. */
  const keys: string[] = []
  const call = (method: string, path: string, auth?: string, body?: unknown) =>
    api<Body>(s.url, method, path, auth, body)
  const rows = () => s.ctx.store.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
  const lastId = async () => Number((await rows()).at(-1)?.id ?? 0)
  /** The API's entries newer than `after`, oldest first (the API itself lists newest first). */
  async function entriesSince(after: number, query = ''): Promise<Entry[]> {
    const res = await call('GET', `/api/v1/audit?limit=100${query}`, owner)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return (res.body.data as Entry[]).filter((e) => e.id > after).reverse()
  }
  /** Runs a change and returns the one entry it produced, failing if it produced none or several. */
  async function onlyEntry(
    change: () => Promise<{ status: number; headers: Headers }>,
    status = 200,
    entityType?: string,
  ) {
    const mark = await lastId()
    const res = await change()
    expect(res.status).toBe(status)
    const entries = (await entriesSince(mark)).filter((e) => !entityType || e.entity.type === entityType)
    expect(entries, JSON.stringify(entries)).toHaveLength(1)
    const entry = entries[0] as Entry
    expect(entry.requestId).toBe(res.headers.get('x-request-id'))
    return entry
  }
  async function createUser(username: string, role: string) {
    const res = await call('POST', '/api/v1/users', owner, {
      username,
      fullName: username,
      role,
      password: PASSWORD,
    })
    expect(res.status).toBe(201)
    return { id: res.body.data.id as string, auth: `Bearer ${await login(s.url, username, PASSWORD)}` }
  }

  beforeAll(async () => {
    s = await startTestServer({ kind: name, clock })
    owner = `Bearer ${s.ownerToken}`
    keys.push(s.apiKey)
    ownerId = (await call('GET', '/api/v1/auth/me', owner)).body.data.user.id
  })
  afterAll(async () => s?.close())

  it("records bootstrap's first-start creations as the system", async () => {
    const boot = (await entriesSince(0)).filter((e) => e.actor.kind === 'system')
    expect(boot.map((e) => [e.action, e.entity.type])).toEqual([
      ['create', 'user'],
      ['create', 'team'],
      ['add-member', 'team-member'],
      ['create', 'integration'],
    ])
    expect(boot.every((e) => e.requestId === null && e.actor.id === 'bootstrap')).toBe(true)
    expect(boot[0]?.after).toMatchObject({ username: TEST_OWNER.email, role: 'owner', hasPassword: true })
    expect(boot[0]?.entity).toEqual({ type: 'user', id: ownerId, name: TEST_OWNER.email })
    expect(boot[2]?.entity.id).toBe(`${s.teamId}:${ownerId}`)
    expect(boot[3]?.after).toMatchObject({ name: 'Bootstrap API', teamId: s.teamId })
    expect(boot[0]?.at).toBe(new Date(clock.now()).toISOString())
  })

  it('records user creation, updates, password changes and deletion with before and after', async () => {
    clock.advance(60_000)
    const create = await onlyEntry(
      () =>
        call('POST', '/api/v1/users', owner, {
          username: 'Audit.User@example.com',
          fullName: 'Audit User',
          role: 'user',
          password: PASSWORD,
        }),
      201,
      // A new user also gets the default contact and notification rules, each with its own entry.
      'user',
    )
    const id = create.entity.id
    expect(create).toMatchObject({
      action: 'create',
      actor: { kind: 'user', id: ownerId, name: TEST_OWNER.email },
      entity: { type: 'user', name: 'audit.user@example.com' },
      before: null,
      after: { id, username: 'audit.user@example.com', role: 'user', hasPassword: true, blocked: false },
      at: new Date(clock.now()).toISOString(),
    })

    const update = await onlyEntry(() =>
      call('PATCH', `/api/v1/users/${id}`, owner, { role: 'admin', fullName: 'Audited' }),
    )
    expect(update.action).toBe('update')
    expect(update.before).toMatchObject({ role: 'user', fullName: 'Audit User' })
    expect(update.after).toMatchObject({ role: 'admin', fullName: 'Audited' })
    expect(update.after).not.toHaveProperty('passwordChanged')

    const pw = await onlyEntry(() => call('PATCH', `/api/v1/users/${id}`, owner, { password: NEW_PASSWORD }))
    expect(pw.after).toMatchObject({ passwordChanged: true, hasPassword: true })
    expect(pw.before).not.toHaveProperty('passwordChanged')

    // Self-service edits are changes too, made by the user themselves.
    const self = `Bearer ${await login(s.url, 'audit.user@example.com', NEW_PASSWORD)}`
    const own = await onlyEntry(() =>
      call('PATCH', `/api/v1/users/${id}`, self, { timeZone: 'Europe/Berlin' }),
    )
    expect(own.actor).toEqual({ kind: 'user', id, name: 'audit.user@example.com' })

    const del = await onlyEntry(() => call('DELETE', `/api/v1/users/${id}`, owner))
    expect(del).toMatchObject({ action: 'delete', after: null, before: { id, role: 'admin' } })
  })

  it('records team creation, renaming, membership changes and deletion', async () => {
    clock.advance(60_000)
    const create = await onlyEntry(() => call('POST', '/api/v1/teams', owner, { name: 'Audit Team' }), 201)
    const teamId = create.entity.id
    expect(create).toMatchObject({
      action: 'create',
      entity: { type: 'team', name: 'Audit Team' },
      before: null,
    })

    const rename = await onlyEntry(() =>
      call('PATCH', `/api/v1/teams/${teamId}`, owner, { name: 'Audit Crew', description: 'd' }),
    )
    expect(rename.before).toMatchObject({ name: 'Audit Team', description: '' })
    expect(rename.after).toMatchObject({ name: 'Audit Crew', description: 'd' })
    expect(rename.entity.name).toBe('Audit Crew')

    const member = await createUser('member.audit@example.com', 'user')
    const add = await onlyEntry(
      () =>
        call('POST', `/api/v1/teams/${teamId}/members`, owner, {
          user: { username: 'member.audit@example.com' },
        }),
      201,
    )
    expect(add).toMatchObject({
      action: 'add-member',
      entity: {
        type: 'team-member',
        id: `${teamId}:${member.id}`,
        name: 'member.audit@example.com in Audit Crew',
      },
      before: null,
      after: { teamId, userId: member.id, role: 'user' },
    })
    const promote = await onlyEntry(() =>
      call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, owner, { role: 'admin' }),
    )
    expect(promote).toMatchObject({ action: 'update', before: { role: 'user' }, after: { role: 'admin' } })

    // Setting the role a member already has changes nothing and records nothing.
    const mark = await lastId()
    const same = await call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, owner, { role: 'admin' })
    expect(same.status).toBe(200)
    expect(await lastId()).toBe(mark)

    const remove = await onlyEntry(() =>
      call('DELETE', `/api/v1/teams/${teamId}/members/${member.id}`, owner),
    )
    expect(remove).toMatchObject({ action: 'remove-member', before: { role: 'admin' }, after: null })

    await call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, owner, { role: 'user' })
    const integ = await call('POST', '/api/v1/integrations', owner, { name: 'doomed', type: 'API', teamId })
    keys.push(integ.body.data.apiKey)
    const del = await onlyEntry(() => call('DELETE', `/api/v1/teams/${teamId}`, owner))
    expect(del).toMatchObject({ action: 'delete', after: null, before: { id: teamId, name: 'Audit Crew' } })
    expect(del.before?.members).toEqual([
      { userId: member.id, username: 'member.audit@example.com', role: 'user' },
    ])
    expect(del.before?.integrations).toEqual([{ id: integ.body.data.id, name: 'doomed', type: 'API' }])
  })

  it('records integration changes and key rotations without any key', async () => {
    clock.advance(60_000)
    let key = ''
    const create = await onlyEntry(async () => {
      const res = await call('POST', '/api/v1/integrations', owner, {
        name: 'Audit CI',
        type: 'API',
        teamId: s.teamId,
      })
      key = res.body.data.apiKey
      return res
    }, 201)
    keys.push(key)
    const id = create.entity.id
    expect(create).toMatchObject({
      action: 'create',
      entity: { type: 'integration', id, name: 'Audit CI' },
      after: { name: 'Audit CI', type: 'API', teamId: s.teamId, keyHint: `${key.slice(0, 8)}…` },
    })
    expect(create.after).not.toHaveProperty('apiKey')
    expect(create.after).not.toHaveProperty('urls')

    const patch = await onlyEntry(() =>
      call('PATCH', `/api/v1/integrations/${id}`, owner, { enabled: false, rateLimitPerMinute: 60 }),
    )
    expect(patch.before).toMatchObject({ enabled: true, rateLimitPerMinute: 0 })
    expect(patch.after).toMatchObject({ enabled: false, rateLimitPerMinute: 60 })

    let rotated = ''
    const rotate = await onlyEntry(async () => {
      const res = await call('POST', `/api/v1/integrations/${id}/rotate-key`, owner)
      rotated = res.body.data.apiKey
      return res
    })
    keys.push(rotated)
    expect(rotate.action).toBe('rotate-key')
    expect(rotate.before?.keyHint).toBe(`${key.slice(0, 8)}…`)
    expect(rotate.after?.keyHint).toBe(`${rotated.slice(0, 8)}…`)

    const del = await onlyEntry(() => call('DELETE', `/api/v1/integrations/${id}`, owner))
    expect(del).toMatchObject({ action: 'delete', before: { id, enabled: false }, after: null })
  })

  it('never stores a secret: passwords, hashes, keys, tokens', async () => {
    const dump = JSON.stringify(await rows())
    const hashes = await s.ctx.store.db.selectFrom('users').select('password_hash').execute()
    const tokens = await s.ctx.store.db.selectFrom('sessions').select('token_hash').execute()
    const secrets = [
      PASSWORD,
      NEW_PASSWORD,
      TEST_OWNER.password,
      s.ownerToken,
      hashToken(s.ownerToken),
      ...keys,
      ...keys.map(hashToken),
      ...hashes.map((h) => h.password_hash ?? 'no hash'),
      ...tokens.map((t) => t.token_hash),
    ]
    expect(keys.length).toBeGreaterThanOrEqual(4)
    for (const secret of secrets) expect(dump).not.toContain(secret)
    expect(dump).not.toMatch(/argon2|\$argon|[0-9a-f]{64}|vgk_[A-Za-z0-9_-]{8}/i)
  })

  it('writes nothing for a change that fails, even when it fails after writing', async () => {
    const mark = await lastId()
    await call('POST', '/api/v1/teams', owner, { name: 'Unique Audit' })
    const after = await lastId()
    expect((await call('POST', '/api/v1/teams', owner, { name: 'Unique Audit' })).status).toBe(409)
    expect((await call('PATCH', `/api/v1/teams/${s.teamId}`, owner, { name: 'Unique Audit' })).status).toBe(
      409,
    )
    expect(
      (
        await call('POST', '/api/v1/users', owner, {
          username: TEST_OWNER.email,
          fullName: 'x',
          role: 'user',
        })
      ).status,
    ).toBe(409)
    // Demoting the last owner is refused after the update ran inside the transaction: both roll back.
    expect((await call('PATCH', `/api/v1/users/${ownerId}`, owner, { role: 'admin' })).status).toBe(409)
    expect(await lastId()).toBe(after)
    expect(after).toBe(mark + 1)

    // The same holds for any caller of recordAudit: the entry lives and dies with its transaction.
    const failed = s.ctx.store.db.transaction().execute(async (trx) => {
      await recordAudit(trx, {
        ...systemOrigin(clock),
        action: 'update',
        entity: { type: 'team', id: 'x', name: 'x' },
        after: { password_hash: 'must not matter' },
      })
      throw new Error('rolled back')
    })
    await expect(failed).rejects.toThrow('rolled back')
    expect(await lastId()).toBe(after)
    await recordAudit(s.ctx.store.db, {
      ...systemOrigin(clock),
      action: 'update',
      entity: { type: 'team', id: 'x', name: 'x' },
      after: { password_hash: '$argon2id$v=19$m=1,t=1,p=1$abc$def', note: 'kept' },
    })
    const row = (await rows()).at(-1)
    expect(row).toMatchObject({ actor_kind: 'system', actor_id: SYSTEM_ACTOR.id, before: null })
    expect(JSON.parse(row?.after ?? '{}')).toEqual({ password_hash: '[redacted]', note: 'kept' })
  })

  it('filters by entity, actor and time, newest first', async () => {
    clock.advance(3600_000)
    const t0 = clock.now()
    const admin = await createUser('second.admin@example.com', 'admin')
    clock.advance(60_000)
    const t1 = clock.now()
    const team = await call('POST', '/api/v1/teams', admin.auth, { name: 'Filtered' })
    const teamId = team.body.data.id
    clock.advance(60_000)
    await call('PATCH', `/api/v1/teams/${teamId}`, admin.auth, { description: 'x' })
    clock.advance(60_000)
    const t3 = clock.now()
    await call('PATCH', `/api/v1/teams/${teamId}`, owner, { description: 'y' })

    const get = async (query: string) => {
      const res = await call('GET', `/api/v1/audit?${query}`, owner)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.data as Entry[]
    }
    const byEntity = await get(`entityType=team&entityId=${teamId}`)
    expect(byEntity.map((e) => e.action)).toEqual(['update', 'update', 'create'])
    expect(byEntity.map((e) => e.after?.description)).toEqual(['y', 'x', ''])
    expect(byEntity[0]?.actor.id).toBe(ownerId)

    const byActor = await get(`actorId=${admin.id}`)
    expect(byActor.map((e) => e.entity.id)).toEqual([teamId, teamId])
    expect((await get('entityType=team-member')).every((e) => e.entity.type === 'team-member')).toBe(true)

    const window = await get(`from=${new Date(t1).toISOString()}&to=${t3}`)
    expect(window.map((e) => e.at)).toEqual([new Date(t1 + 60_000).toISOString(), new Date(t1).toISOString()])
    const since = await get(`from=${t0}`)
    // The user, its default contact and two default rules, the team and two updates.
    expect(since).toHaveLength(7)
    expect(since.at(-1)?.entity).toMatchObject({ type: 'user', id: admin.id })
    expect(await get('entityType=schedule')).toEqual([])

    const bad = await call('GET', '/api/v1/audit?from=yesterday', owner)
    expect(bad.status).toBe(422)
    expect(bad.body.errors).toHaveProperty('from')
  })

  it('pages by id with limit and a next link until the end', async () => {
    const total = (await rows()).length
    const seen: number[] = []
    let next: string | undefined = `${s.url}/api/v1/audit?limit=3`
    let pages = 0
    while (next) {
      const res = await fetch(next, { headers: { authorization: owner } })
      expect(res.status).toBe(200)
      const body = (await res.json()) as Body
      const ids = (body.data as Entry[]).map((e) => e.id)
      expect(ids.length).toBeLessThanOrEqual(3)
      seen.push(...ids)
      next = body.paging?.next
      pages++
    }
    expect(pages).toBe(Math.ceil(total / 3))
    expect(seen).toHaveLength(total)
    expect(seen).toEqual([...seen].sort((a, b) => b - a))
    expect(new Set(seen).size).toBe(total)

    const first = (await call('GET', '/api/v1/audit', owner)).body
    expect(first.data).toHaveLength(Math.min(50, total))
    const offset = seen[1] as number
    const after = await call('GET', `/api/v1/audit?offset=${offset}&limit=2&entityType=team`, owner)
    expect((after.body.data as Entry[]).every((e) => e.id < offset && e.entity.type === 'team')).toBe(true)
    expect(after.body.paging?.next ?? '').toMatch(/entityType=team.*offset=\d+.*limit=2/)
    expect((await call('GET', '/api/v1/audit?limit=0', owner)).status).toBe(422)
    expect((await call('GET', '/api/v1/audit?limit=101', owner)).status).toBe(422)
    expect((await call('GET', '/api/v1/audit?limit=100', owner)).status).toBe(200)
  })

  it('is for owners and admins only', async () => {
    const user = await createUser('plain.audit@example.com', 'user')
    const observer = await createUser('observer.audit@example.com', 'observer')
    for (const auth of [user.auth, observer.auth, `GenieKey ${s.apiKey}`]) {
      const res = await call('GET', '/api/v1/audit', auth)
      expect(res.status).toBe(403)
      expect(res.body.message).toEqual(expect.any(String))
    }
    expect((await call('GET', '/api/v1/audit')).status).toBe(401)
    const admin = await createUser('admin.reader@example.com', 'admin')
    expect((await call('GET', '/api/v1/audit', admin.auth)).status).toBe(200)
  })

  it('documents the audit route in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/docs/json', owner)).body as unknown as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; parameters?: unknown[] }>>
    }
    const get = doc.paths['/api/v1/audit']?.get
    expect(get?.tags).toEqual(['Audit'])
    expect(get?.summary).toMatch(/configuration changes/)
    expect(JSON.stringify(get?.parameters)).toContain('entityType')
  })
})
