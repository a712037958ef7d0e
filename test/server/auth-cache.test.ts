import type { KyselyPlugin } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { ApiError } from '../../server/api/envelope'
import { AUTH_CACHE, type Authenticator, createAuthenticator } from '../../server/auth/authenticate'
import { createSession } from '../../server/auth/sessions'
import { hashToken } from '../../server/auth/tokens'
import { bootstrap } from '../../server/bootstrap'
import type { AppDeps } from '../../server/deps'
import { createMetrics } from '../../server/metrics'
import { TEST_API_KEY, testConfig } from '../support/server'
import { storeKinds, type TestStore } from '../support/stores'

const kinds = await storeKinds()

describe.each(kinds)('authenticator cache on $name', ({ open }) => {
  let t: TestStore
  let deps: AppDeps
  let auth: Authenticator
  let queries = 0
  let integrationId: string
  let ownerId: string
  const clock = new ManualClock()
  const key = `GenieKey ${TEST_API_KEY}`
  // Counts every statement the authenticator sends, to prove cache hits cost no query.
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      queries++
      return args.node
    },
    transformResult: async (args) => args.result,
  }

  beforeAll(async () => {
    t = await open()
    const store = { ...t.store, db: t.store.db.withPlugin(counter) }
    deps = { store, clock, config: testConfig(), metrics: createMetrics(), logger: pino({ level: 'silent' }) }
    const boot = await bootstrap({ ...deps, store: t.store })
    integrationId = boot.bootstrapIntegrationId ?? ''
    ownerId = (await t.store.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id
    auth = createAuthenticator(deps)
  })
  afterAll(async () => t?.dispose())

  const setEnabled = (on: boolean) =>
    t.store.db
      .updateTable('integrations')
      .set({ enabled: on ? 1 : 0 })
      .where('id', '=', integrationId)
      .execute()

  it('answers repeated keys from memory, and concurrent misses with one query', async () => {
    queries = 0
    const results = await Promise.all(Array.from({ length: 200 }, () => auth.authenticate(key)))
    expect(results.every((r) => !(r instanceof ApiError) && r.kind === 'key')).toBe(true)
    expect(queries).toBe(1)
    for (let i = 0; i < 2_000; i++) await auth.authenticate(key)
    // Served from memory: still the one query of the first miss.
    expect(queries).toBe(1)
  })

  it('sees a change made elsewhere after the TTL, and one made here at once', async () => {
    expect(await auth.authenticate(key)).toMatchObject({ kind: 'key' })
    await setEnabled(false) // as another instance would
    expect(await auth.authenticate(key)).toMatchObject({ kind: 'key' })
    clock.advance(AUTH_CACHE.ttlMs)
    expect(await auth.authenticate(key)).toMatchObject({ status: 401, message: 'Integration is disabled' })
    await setEnabled(true)
    auth.forgetIntegration(integrationId) // as the admin routes do after their own change
    expect(await auth.authenticate(key)).toMatchObject({ kind: 'key' })
  })

  it('remembers unknown keys briefly', async () => {
    const unknown = 'vgk_unknown-key-for-the-negative-cache'
    queries = 0
    for (let i = 0; i < 5; i++)
      expect(await auth.authenticate(`GenieKey ${unknown}`)).toMatchObject({ status: 401 })
    expect(queries).toBe(1)
    await t.store.db
      .updateTable('integrations')
      .set({ key_hash: hashToken(unknown) })
      .where('id', '=', integrationId)
      .execute()
    clock.advance(AUTH_CACHE.negativeTtlMs)
    expect(await auth.authenticate(`GenieKey ${unknown}`)).toMatchObject({ kind: 'key' })
    await t.store.db
      .updateTable('integrations')
      .set({ key_hash: hashToken(TEST_API_KEY) })
      .where('id', '=', integrationId)
      .execute()
    auth.forgetIntegration(integrationId)
  })

  it('refuses over-long credentials without a query', async () => {
    queries = 0
    const res = await auth.authenticate(`GenieKey ${'x'.repeat(AUTH_CACHE.maxCredentialLength + 1)}`)
    expect(res).toMatchObject({ status: 401, message: 'Could not authenticate' })
    expect(queries).toBe(0)
  })

  it('caches sessions but never past their expiry, and forgets them on request', async () => {
    const session = await createSession(deps, ownerId)
    const bearer = `Bearer ${session.token}`
    expect(await auth.authenticate(bearer)).toMatchObject({ kind: 'user', userId: ownerId, role: 'owner' })
    queries = 0
    expect(await auth.authenticate(bearer)).toMatchObject({ kind: 'user' })
    expect(queries).toBe(0)

    await t.store.db.updateTable('users').set({ role: 'admin' }).where('id', '=', ownerId).execute()
    auth.forgetSession(session.id)
    expect(await auth.authenticate(bearer)).toMatchObject({ kind: 'user', role: 'admin' })

    clock.set(session.expiresAt - 1)
    expect(await auth.authenticate(bearer)).toMatchObject({ kind: 'user' })
    clock.set(session.expiresAt)
    expect(await auth.authenticate(bearer)).toMatchObject({ status: 401, message: 'Session has expired' })
  })
})
