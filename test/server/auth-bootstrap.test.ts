import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { verifyPassword } from '../../server/auth/passwords'
import { hashToken } from '../../server/auth/tokens'
import { BOOTSTRAP_INTEGRATION, bootstrap } from '../../server/bootstrap'
import type { ServerConfig } from '../../server/config'
import type { AppDeps } from '../../server/deps'
import { createMetrics } from '../../server/metrics'
import { openStore, type Store } from '../../server/store/store'
import { testConfig } from '../support/server'
import { storeKinds, type TestStore } from '../support/stores'

const kinds = await storeKinds()
const KEY_A = 'bootstrap-key-aaaaaaaaaaaaaaaa'
const KEY_B = 'bootstrap-key-bbbbbbbbbbbbbbbb'

describe.each(kinds)('bootstrap on $name', ({ name, open }) => {
  let t: TestStore
  const extra: Store[] = []
  const deps = (config: Partial<ServerConfig>, store: Store = t.store): AppDeps => ({
    store,
    clock: new ManualClock(),
    config: testConfig({
      adminEmail: 'Boss@Example.com',
      adminPassword: undefined,
      bootstrapApiKey: KEY_A,
      ...config,
    }),
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
  })
  const counts = async (store = t.store) => ({
    users: (await store.db.selectFrom('users').select('id').execute()).length,
    teams: (await store.db.selectFrom('teams').select('id').execute()).length,
    members: (await store.db.selectFrom('team_members').select('user_id').execute()).length,
    integrations: (await store.db.selectFrom('integrations').select('id').execute()).length,
  })

  beforeEach(async () => {
    t = await open()
  })
  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close()
    await t?.dispose()
  })

  it('creates the owner with a generated password, the Default team and the bootstrap key once', async () => {
    const first = await bootstrap(deps({}))
    expect(first.ownerCreated).toBe(true)
    expect(first.ownerEmail).toBe('boss@example.com')
    expect(first.generatedPassword?.length).toBeGreaterThanOrEqual(32)
    const owner = await t.store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow()
    expect(owner).toMatchObject({ username: 'boss@example.com', role: 'owner' })
    expect(await verifyPassword(owner.password_hash ?? '', first.generatedPassword ?? '')).toBe(true)
    const team = await t.store.db.selectFrom('teams').selectAll().executeTakeFirstOrThrow()
    expect(team).toMatchObject({ id: first.teamId, name: 'Default' })
    const integ = await t.store.db.selectFrom('integrations').selectAll().executeTakeFirstOrThrow()
    expect(integ).toMatchObject({
      id: first.bootstrapIntegrationId,
      name: BOOTSTRAP_INTEGRATION,
      type: 'API',
    })
    expect(integ.key_hash).toBe(hashToken(KEY_A))
    expect(JSON.stringify(integ)).not.toContain(KEY_A)

    const again = await bootstrap(deps({}))
    expect(again).toEqual({
      ownerCreated: false,
      ownerEmail: 'boss@example.com',
      teamId: first.teamId,
      bootstrapIntegrationId: first.bootstrapIntegrationId,
    })
    expect(await counts()).toEqual({ users: 1, teams: 1, members: 1, integrations: 1 })
  })

  it('uses the configured password and returns none', async () => {
    const res = await bootstrap(deps({ adminPassword: 'the configured password' }))
    expect(res.ownerCreated).toBe(true)
    expect(res.generatedPassword).toBeUndefined()
    const owner = await t.store.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()
    expect(await verifyPassword(owner.password_hash ?? '', 'the configured password')).toBe(true)
  })

  it('replaces the bootstrap key when the configured value changes, keeping the integration', async () => {
    const a = await bootstrap(deps({ bootstrapApiKey: KEY_A }))
    const b = await bootstrap(deps({ bootstrapApiKey: KEY_B }))
    expect(b.bootstrapIntegrationId).toBe(a.bootstrapIntegrationId)
    const rows = await t.store.db.selectFrom('integrations').select(['id', 'key_hash']).execute()
    expect(rows).toEqual([{ id: a.bootstrapIntegrationId, key_hash: hashToken(KEY_B) }])
  })

  it('creates no integration without a bootstrap key', async () => {
    const res = await bootstrap(deps({ bootstrapApiKey: undefined }))
    expect(res.bootstrapIntegrationId).toBeUndefined()
    expect(await counts()).toEqual({ users: 1, teams: 1, members: 1, integrations: 0 })
  })

  it('is safe when several processes start at once', async () => {
    // On PostgreSQL each "process" gets its own connection pool on the same schema.
    const stores = [t.store]
    if (name === 'postgres') {
      for (let i = 0; i < 3; i++) {
        const s = await openStore({ databaseUrl: t.location.databaseUrl })
        extra.push(s)
        stores.push(s)
      }
    }
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => bootstrap(deps({}, stores[i % stores.length]))),
    )
    expect(runs.filter((r) => r.ownerCreated)).toHaveLength(1)
    expect(runs.filter((r) => r.generatedPassword !== undefined)).toHaveLength(1)
    expect(new Set(runs.map((r) => r.teamId)).size).toBe(1)
    expect(new Set(runs.map((r) => r.bootstrapIntegrationId)).size).toBe(1)
    expect(await counts()).toEqual({ users: 1, teams: 1, members: 1, integrations: 1 })

    // A concurrent key change converges on one integration holding the new key.
    const changed = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        bootstrap(deps({ bootstrapApiKey: KEY_B }, stores[i % stores.length])),
      ),
    )
    expect(new Set(changed.map((r) => r.bootstrapIntegrationId))).toEqual(
      new Set([runs[0]?.bootstrapIntegrationId]),
    )
    const rows = await t.store.db.selectFrom('integrations').select('key_hash').execute()
    expect(rows).toEqual([{ key_hash: hashToken(KEY_B) }])
  })
})
