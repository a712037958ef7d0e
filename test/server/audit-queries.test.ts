/** Reading the audit log: filters, who may read it and its OpenAPI description. */
import { describe, expect, it } from 'vitest'
import { storeKinds } from '../support/stores'
import { type Entry, useAuditServer } from './audit-support'

const kinds = await storeKinds()

describe.each(kinds)('audit log on $name', ({ name }) => {
  const env = useAuditServer(name)
  const { clock, call, createUser } = env

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
    await call('PATCH', `/api/v1/teams/${teamId}`, env.owner, { description: 'y' })

    const get = async (query: string) => {
      const res = await call('GET', `/api/v1/audit?${query}`, env.owner)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.data as Entry[]
    }
    const byEntity = await get(`entityType=team&entityId=${teamId}`)
    expect(byEntity.map((e) => e.action)).toEqual(['update', 'update', 'create'])
    expect(byEntity.map((e) => e.after?.description)).toEqual(['y', 'x', ''])
    expect(byEntity[0]?.actor.id).toBe(env.ownerId)

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

    const bad = await call('GET', '/api/v1/audit?from=yesterday', env.owner)
    expect(bad.status).toBe(422)
    expect(bad.body.errors).toHaveProperty('from')
  })

  it('is for owners and admins only', async () => {
    const user = await createUser('plain.audit@example.com', 'user')
    const observer = await createUser('observer.audit@example.com', 'observer')
    for (const auth of [user.auth, observer.auth, `GenieKey ${env.s.apiKey}`]) {
      const res = await call('GET', '/api/v1/audit', auth)
      expect(res.status).toBe(403)
      expect(res.body.message).toEqual(expect.any(String))
    }
    expect((await call('GET', '/api/v1/audit')).status).toBe(401)
    const admin = await createUser('admin.reader@example.com', 'admin')
    expect((await call('GET', '/api/v1/audit', admin.auth)).status).toBe(200)
  })

  it('documents the audit route in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/docs/json', env.owner)).body as unknown as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; parameters?: unknown[] }>>
    }
    const get = doc.paths['/api/v1/audit']?.get
    expect(get?.tags).toEqual(['Audit'])
    expect(get?.summary).toMatch(/configuration changes/)
    expect(JSON.stringify(get?.parameters)).toContain('entityType')
  })
})
