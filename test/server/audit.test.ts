/**
 * What the audit log records: bootstrap, users, teams, integrations, never a secret, nothing for a failed
 * change; then paging through all of it. One file because the secrets check and the paging test work on
 * what the tests before them wrote (paging a filter needs more than a page of team entries).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { recordAudit, SYSTEM_ACTOR, systemOrigin } from '../../server/audit/record'
import { hashToken } from '../../server/auth/tokens'
import { login, TEST_OWNER } from '../support/server'
import { storeKinds } from '../support/stores'
import { type Body, type Entry, NEW_PASSWORD, PASSWORD, useAuditServer } from './audit-support'

const kinds = await storeKinds()

describe.each(kinds)('audit log on $name', ({ name }) => {
  const env = useAuditServer(name)
  const { clock, call, rows, lastId, entriesSince, onlyEntry, createUser } = env
  /** Every key shown to the test, to prove none of them (nor their hashes) reached the audit table. */
  const keys: string[] = []
  beforeAll(() => {
    keys.push(env.s.apiKey)
  })

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
    expect(boot[0]?.entity).toEqual({ type: 'user', id: env.ownerId, name: TEST_OWNER.email })
    expect(boot[2]?.entity.id).toBe(`${env.s.teamId}:${env.ownerId}`)
    expect(boot[3]?.after).toMatchObject({ name: 'Bootstrap API', teamId: env.s.teamId })
    expect(boot[0]?.at).toBe(new Date(clock.now()).toISOString())
  })

  it('records user creation, updates, password changes and deletion with before and after', async () => {
    clock.advance(60_000)
    const create = await onlyEntry(
      () =>
        call('POST', '/api/v1/users', env.owner, {
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
      actor: { kind: 'user', id: env.ownerId, name: TEST_OWNER.email },
      entity: { type: 'user', name: 'audit.user@example.com' },
      before: null,
      after: { id, username: 'audit.user@example.com', role: 'user', hasPassword: true, blocked: false },
      at: new Date(clock.now()).toISOString(),
    })

    const update = await onlyEntry(() =>
      call('PATCH', `/api/v1/users/${id}`, env.owner, { role: 'admin', fullName: 'Audited' }),
    )
    expect(update.action).toBe('update')
    expect(update.before).toMatchObject({ role: 'user', fullName: 'Audit User' })
    expect(update.after).toMatchObject({ role: 'admin', fullName: 'Audited' })
    expect(update.after).not.toHaveProperty('passwordChanged')

    const pw = await onlyEntry(() =>
      call('PATCH', `/api/v1/users/${id}`, env.owner, { password: NEW_PASSWORD }),
    )
    expect(pw.after).toMatchObject({ passwordChanged: true, hasPassword: true })
    expect(pw.before).not.toHaveProperty('passwordChanged')

    // Self-service edits are changes too, made by the user themselves.
    const self = `Bearer ${await login(env.s.url, 'audit.user@example.com', NEW_PASSWORD)}`
    const own = await onlyEntry(() =>
      call('PATCH', `/api/v1/users/${id}`, self, { timeZone: 'Europe/Berlin' }),
    )
    expect(own.actor).toEqual({ kind: 'user', id, name: 'audit.user@example.com' })

    const del = await onlyEntry(() => call('DELETE', `/api/v1/users/${id}`, env.owner))
    expect(del).toMatchObject({ action: 'delete', after: null, before: { id, role: 'admin' } })
  })

  it('records team creation, renaming, membership changes and deletion', async () => {
    clock.advance(60_000)
    const create = await onlyEntry(
      () => call('POST', '/api/v1/teams', env.owner, { name: 'Audit Team' }),
      201,
    )
    const teamId = create.entity.id
    expect(create).toMatchObject({
      action: 'create',
      entity: { type: 'team', name: 'Audit Team' },
      before: null,
    })

    const rename = await onlyEntry(() =>
      call('PATCH', `/api/v1/teams/${teamId}`, env.owner, { name: 'Audit Crew', description: 'd' }),
    )
    expect(rename.before).toMatchObject({ name: 'Audit Team', description: '' })
    expect(rename.after).toMatchObject({ name: 'Audit Crew', description: 'd' })
    expect(rename.entity.name).toBe('Audit Crew')

    const member = await createUser('member.audit@example.com', 'user')
    const add = await onlyEntry(
      () =>
        call('POST', `/api/v1/teams/${teamId}/members`, env.owner, {
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
      call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, env.owner, { role: 'admin' }),
    )
    expect(promote).toMatchObject({ action: 'update', before: { role: 'user' }, after: { role: 'admin' } })

    // Setting the role a member already has changes nothing and records nothing.
    const mark = await lastId()
    const same = await call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, env.owner, {
      role: 'admin',
    })
    expect(same.status).toBe(200)
    expect(await lastId()).toBe(mark)

    const remove = await onlyEntry(() =>
      call('DELETE', `/api/v1/teams/${teamId}/members/${member.id}`, env.owner),
    )
    expect(remove).toMatchObject({ action: 'remove-member', before: { role: 'admin' }, after: null })

    await call('PUT', `/api/v1/teams/${teamId}/members/${member.id}`, env.owner, { role: 'user' })
    const integ = await call('POST', '/api/v1/integrations', env.owner, {
      name: 'doomed',
      type: 'API',
      teamId,
    })
    keys.push(integ.body.data.apiKey)
    const del = await onlyEntry(() => call('DELETE', `/api/v1/teams/${teamId}`, env.owner))
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
      const res = await call('POST', '/api/v1/integrations', env.owner, {
        name: 'Audit CI',
        type: 'API',
        teamId: env.s.teamId,
      })
      key = res.body.data.apiKey
      return res
    }, 201)
    keys.push(key)
    const id = create.entity.id
    expect(create).toMatchObject({
      action: 'create',
      entity: { type: 'integration', id, name: 'Audit CI' },
      after: { name: 'Audit CI', type: 'API', teamId: env.s.teamId, keyHint: `${key.slice(0, 8)}…` },
    })
    expect(create.after).not.toHaveProperty('apiKey')
    expect(create.after).not.toHaveProperty('urls')

    const patch = await onlyEntry(() =>
      call('PATCH', `/api/v1/integrations/${id}`, env.owner, { enabled: false, rateLimitPerMinute: 60 }),
    )
    expect(patch.before).toMatchObject({ enabled: true, rateLimitPerMinute: 0 })
    expect(patch.after).toMatchObject({ enabled: false, rateLimitPerMinute: 60 })

    let rotated = ''
    const rotate = await onlyEntry(async () => {
      const res = await call('POST', `/api/v1/integrations/${id}/rotate-key`, env.owner)
      rotated = res.body.data.apiKey
      return res
    })
    keys.push(rotated)
    expect(rotate.action).toBe('rotate-key')
    expect(rotate.before?.keyHint).toBe(`${key.slice(0, 8)}…`)
    expect(rotate.after?.keyHint).toBe(`${rotated.slice(0, 8)}…`)

    const del = await onlyEntry(() => call('DELETE', `/api/v1/integrations/${id}`, env.owner))
    expect(del).toMatchObject({ action: 'delete', before: { id, enabled: false }, after: null })
  })

  it('never stores a secret: passwords, hashes, keys, tokens', async () => {
    const dump = JSON.stringify(await rows())
    const hashes = await env.s.ctx.store.db.selectFrom('users').select('password_hash').execute()
    const tokens = await env.s.ctx.store.db.selectFrom('sessions').select('token_hash').execute()
    const secrets = [
      PASSWORD,
      NEW_PASSWORD,
      TEST_OWNER.password,
      env.s.ownerToken,
      hashToken(env.s.ownerToken),
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
    await call('POST', '/api/v1/teams', env.owner, { name: 'Unique Audit' })
    const after = await lastId()
    expect((await call('POST', '/api/v1/teams', env.owner, { name: 'Unique Audit' })).status).toBe(409)
    expect(
      (await call('PATCH', `/api/v1/teams/${env.s.teamId}`, env.owner, { name: 'Unique Audit' })).status,
    ).toBe(409)
    expect(
      (
        await call('POST', '/api/v1/users', env.owner, {
          username: TEST_OWNER.email,
          fullName: 'x',
          role: 'user',
        })
      ).status,
    ).toBe(409)
    // Demoting the last owner is refused after the update ran inside the transaction: both roll back.
    expect((await call('PATCH', `/api/v1/users/${env.ownerId}`, env.owner, { role: 'admin' })).status).toBe(
      409,
    )
    expect(await lastId()).toBe(after)
    expect(after).toBe(mark + 1)

    // The same holds for any caller of recordAudit: the entry lives and dies with its transaction.
    const failed = env.s.ctx.store.db.transaction().execute(async (trx) => {
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
    await recordAudit(env.s.ctx.store.db, {
      ...systemOrigin(clock),
      action: 'update',
      entity: { type: 'team', id: 'x', name: 'x' },
      after: { password_hash: '$argon2id$v=19$m=1,t=1,p=1$abc$def', note: 'kept' },
    })
    const row = (await rows()).at(-1)
    expect(row).toMatchObject({ actor_kind: 'system', actor_id: SYSTEM_ACTOR.id, before: null })
    expect(JSON.parse(row?.after ?? '{}')).toEqual({ password_hash: '[redacted]', note: 'kept' })
  })

  it('pages by id with limit and a next link until the end', async () => {
    const total = (await rows()).length
    const seen: number[] = []
    let next: string | undefined = `${env.s.url}/api/v1/audit?limit=3`
    let pages = 0
    while (next) {
      const res = await fetch(next, { headers: { authorization: env.owner } })
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

    const first = (await call('GET', '/api/v1/audit', env.owner)).body
    expect(first.data).toHaveLength(Math.min(50, total))
    const offset = seen[1] as number
    const after = await call('GET', `/api/v1/audit?offset=${offset}&limit=2&entityType=team`, env.owner)
    expect((after.body.data as Entry[]).every((e) => e.id < offset && e.entity.type === 'team')).toBe(true)
    expect(after.body.paging?.next ?? '').toMatch(/entityType=team.*offset=\d+.*limit=2/)
    expect((await call('GET', '/api/v1/audit?limit=0', env.owner)).status).toBe(422)
    expect((await call('GET', '/api/v1/audit?limit=101', env.owner)).status).toBe(422)
    expect((await call('GET', '/api/v1/audit?limit=100', env.owner)).status).toBe(200)
  })
})
