import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

type Body = {
  data?: any
  message?: string
  errors?: Record<string, string>
  result?: string
  totalCount?: number
}

describe.each(kinds)('admin API: teams and integrations on $name', ({ name }) => {
  let s: TestServer
  let owner: string
  const call = (method: string, path: string, auth?: string, body?: unknown) =>
    api<Body>(s.url, method, path, auth, body)

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

  describe('teams', () => {
    it('creates, reads by id or name, renames, and deletes with its integrations', async () => {
      const id = await createTeam('Platform')
      expect((await call('POST', '/api/v1/teams', owner, { name: 'Platform' })).status).toBe(409)
      const byName = await call('GET', '/api/v1/teams/Platform?identifierType=name', owner)
      expect(byName.status).toBe(200)
      expect(byName.body.data).toMatchObject({ id, name: 'Platform', members: [] })
      expect((await call('GET', '/api/v1/teams/nope', owner)).status).toBe(404)
      expect((await call('PATCH', `/api/v1/teams/${id}`, owner, { name: 'Default' })).status).toBe(409)
      const renamed = await call('PATCH', `/api/v1/teams/${id}`, owner, {
        name: 'Platform Ops',
        description: 'd',
      })
      expect(renamed.body.data).toMatchObject({ name: 'Platform Ops', description: 'd' })

      const integ = await call('POST', '/api/v1/integrations', owner, { name: 'k', type: 'API', teamId: id })
      const key = integ.body.data.apiKey
      expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(200)
      expect((await call('DELETE', `/api/v1/teams/${id}`, owner)).status).toBe(200)
      expect((await call('GET', `/api/v1/teams/${id}`, owner)).status).toBe(404)
      expect((await call('GET', `/api/v1/integrations/${integ.body.data.id}`, owner)).status).toBe(404)
      expect((await call('GET', '/api/v1/auth/me', `GenieKey ${key}`)).status).toBe(401)
    })

    it('lists members with their roles', async () => {
      const res = await call('GET', `/api/v1/teams/${s.teamId}/members`, owner)
      expect(res.status).toBe(200)
      expect(res.body.data).toContainEqual({
        user: expect.objectContaining({ username: TEST_OWNER.email, role: 'owner' }),
        role: 'admin',
      })
    })
  })

  describe('integrations', () => {
    it('shows the key only on create and rotate, and ingest URLs from the request host', async () => {
      const types = { API: 'alertApi', Prometheus: 'alertmanagerWebhook', Grafana: 'grafanaWebhook' } as const
      for (const [type, url] of Object.entries(types)) {
        const res = await call('POST', '/api/v1/integrations', owner, {
          name: `${type} one`,
          type,
          teamId: s.teamId,
        })
        expect(res.status).toBe(201)
        const data = res.body.data
        expect(data.apiKey).toMatch(/^vgk_[A-Za-z0-9_-]{43}$/)
        expect(data.keyHint).toBe(`${data.apiKey.slice(0, 8)}…`)
        expect(data).toMatchObject({
          type,
          allowReadAccess: true,
          allowWriteAccess: true,
          allowConfigurationAccess: false,
        })
        expect(data.urls[url]).toMatch(new RegExp(`^${s.url}/`))
        const read = await call('GET', `/api/v1/integrations/${data.id}`, owner)
        expect(read.body.data).not.toHaveProperty('apiKey')
        expect(JSON.stringify(read.body)).not.toContain(data.apiKey)
        expect(JSON.stringify(read.body)).not.toMatch(/key_hash|[0-9a-f]{64}/)
      }
      const api = (await call('GET', '/api/v1/integrations?type=API', owner)).body.data[0]
      expect(api.urls).toEqual({ alertApi: `${s.url}/v2/alerts`, alertmanagerOpsgenieApiUrl: `${s.url}/` })
      const graf = (await call('GET', '/api/v1/integrations?type=Grafana', owner)).body.data[0]
      expect(graf.urls).toEqual({
        grafanaWebhook: `${s.url}/integrations/grafana`,
        grafanaOpsgenieApiUrl: `${s.url}/v2/alerts`,
      })
      const list = await call('GET', '/api/v1/integrations', owner)
      expect(JSON.stringify(list.body)).not.toContain('"apiKey"')
    })

    it('validates the Webhook field mapping', async () => {
      const base = { name: 'hook', type: 'Webhook', teamId: s.teamId }
      const missing = await call('POST', '/api/v1/integrations', owner, base)
      expect(missing.status).toBe(422)
      expect(missing.body.errors).toHaveProperty('config')
      const bad = await call('POST', '/api/v1/integrations', owner, {
        ...base,
        config: { message: 'title', mesage: 1 },
      })
      expect(bad.status).toBe(422)
      expect(Object.keys(bad.body.errors ?? {}).some((k) => k.startsWith('config'))).toBe(true)
      const good = await call('POST', '/api/v1/integrations', owner, {
        ...base,
        config: { message: '/title', alias: '/id', priorityMap: { critical: 'P1' } },
      })
      expect(good.status).toBe(201)
      expect(good.body.data.urls).toEqual({ webhook: `${s.url}/integrations/webhook` })
      expect(good.body.data.config).toEqual({
        message: '/title',
        alias: '/id',
        priorityMap: { critical: 'P1' },
      })
      const patch = await call('PATCH', `/api/v1/integrations/${good.body.data.id}`, owner, {
        config: { alias: '/x' },
      })
      expect(patch.status).toBe(422)
      expect(patch.body.errors).toHaveProperty(['config.message'])

      // Other types take only the alias prefix option.
      const api = { name: 'prefixed', type: 'API', teamId: s.teamId }
      const prefixed = await call('POST', '/api/v1/integrations', owner, {
        ...api,
        config: { aliasPrefix: 'a-' },
      })
      expect(prefixed.status).toBe(201)
      expect(prefixed.body.data.config).toEqual({ aliasPrefix: 'a-' })
      const typo = await call('POST', '/api/v1/integrations', owner, { ...api, config: { aliasPrefx: 'a-' } })
      expect(typo.status).toBe(422)
      expect(typo.body.errors).toHaveProperty(['config.aliasPrefx'])
    })

    it('updates flags and refuses unknown ids and teams', async () => {
      const res = await call('POST', '/api/v1/integrations', owner, {
        name: 'flags',
        type: 'API',
        teamId: s.teamId,
      })
      const id = res.body.data.id
      const patched = await call('PATCH', `/api/v1/integrations/${id}`, owner, {
        allowDeleteAccess: false,
        rateLimitPerMinute: 600,
        name: 'renamed',
      })
      expect(patched.body.data).toMatchObject({
        allowDeleteAccess: false,
        rateLimitPerMinute: 600,
        name: 'renamed',
      })
      const me = await call('GET', '/api/v1/auth/me', `GenieKey ${res.body.data.apiKey}`)
      expect(me.body.data.integration.access).toEqual({
        read: true,
        write: true,
        delete: false,
        configuration: false,
      })
      expect((await call('GET', '/api/v1/integrations/nope', owner)).status).toBe(404)
      expect((await call('POST', '/api/v1/integrations/nope/rotate-key', owner)).status).toBe(404)
      const noTeam = await call('POST', '/api/v1/integrations', owner, {
        name: 'x',
        type: 'API',
        teamId: 'nope',
      })
      expect(noTeam.status).toBe(422)
      const badType = await call('POST', '/api/v1/integrations', owner, {
        name: 'x',
        type: 'Email',
        teamId: s.teamId,
      })
      expect(badType.status).toBe(422)
    })
  })

  it('documents the admin routes in the OpenAPI document', async () => {
    const doc = await call('GET', '/api/docs/json', owner)
    expect(doc.status).toBe(200)
    const paths = (
      doc.body as unknown as {
        paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>>
      }
    ).paths
    expect(paths['/api/v1/users']?.post?.tags).toEqual(['Users'])
    expect(paths['/api/v1/users']?.post).toMatchObject({ security: [{ Session: [] }, { GenieKey: [] }] })
    expect(paths['/api/v1/integrations/{id}/rotate-key']?.post?.tags).toEqual(['Integrations'])
    expect(paths['/api/v1/auth/login']?.post).toBeDefined()
  })
})
