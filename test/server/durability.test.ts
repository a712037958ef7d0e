import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ServerProcess, spawnServer } from '../support/process'
import { createPostgresSchema, postgresAvailable } from '../support/stores'

const KEY = 'durability-test-key-0123456789abcdef'
const CONCURRENCY = 32

type Location = { env: Record<string, string>; cleanup(): Promise<void> }

async function sqliteLocation(): Promise<Location> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kill-'))
  return { env: { VIGIL_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
}

async function postgresLocation(): Promise<Location> {
  const { url, drop } = await createPostgresSchema('vigil_kill')
  return { env: { VIGIL_DATABASE_URL: url }, cleanup: drop }
}

const auth = { authorization: `GenieKey ${KEY}` }

/**
 * Sends `total` creates with distinct aliases over 32 concurrent connections and returns the aliases that
 * got a 202. `after` runs after each answer (it may stop the server); refused requests are not answered.
 */
async function load(server: ServerProcess, tag: string, total: number, after: (acked: string[]) => void) {
  const acked: string[] = []
  let next = 0
  const worker = async () => {
    while (next < total) {
      const alias = `${tag}-${next++}`
      try {
        const r = await fetch(`${server.url}/v2/alerts`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ message: `alert ${alias}`, alias, tags: [tag] }),
        })
        await r.text()
        if (r.status === 202) acked.push(alias)
      } catch {
        // The server went away under this request: it was never acknowledged.
      }
      after(acked)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return acked
}

const kinds = [{ name: 'sqlite', open: sqliteLocation }]
if (await postgresAvailable()) kinds.push({ name: 'postgres', open: postgresLocation })

describe.each(kinds)('durability on $name', ({ open }) => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups) await c()
  })

  async function environment() {
    const loc = await open()
    cleanups.push(loc.cleanup)
    return {
      ...loc.env,
      VIGIL_BOOTSTRAP_API_KEY: KEY,
      VIGIL_ADMIN_PASSWORD: 'durability-password-1',
      VIGIL_KEY_RATE_LIMIT: '10000000',
    }
  }

  it('keeps every alert that got a 202, exactly once, across a SIGKILL under load', async () => {
    const env = await environment()
    const first = await spawnServer(env)
    let killed = false
    const acked = await load(first, 'kill', 4000, (sofar) => {
      if (!killed && sofar.length >= 2000) {
        killed = true
        first.child.kill('SIGKILL')
      }
    })
    await first.exited
    expect(killed).toBe(true)
    expect(acked.length).toBeGreaterThanOrEqual(2000)

    const second = await spawnServer(env)
    try {
      const seen = new Map<string, number>()
      for (let offset = 0; ; offset += 100) {
        const r = await fetch(`${second.url}/v2/alerts?query=tag:kill&limit=100&offset=${offset}&order=asc`, {
          headers: auth,
        })
        const body = (await r.json()) as { data: Array<{ alias: string; count: number }> }
        for (const a of body.data) seen.set(a.alias, (seen.get(a.alias) ?? 0) + a.count)
        if (body.data.length < 100) break
      }
      expect(acked.filter((a) => !seen.has(a))).toEqual([])
      expect([...seen].filter(([, n]) => n !== 1)).toEqual([])
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)

  it('finishes in-flight requests on SIGTERM, flushes the store and exits 0', async () => {
    const env = await environment()
    const first = await spawnServer({ ...env, VIGIL_LOG_LEVEL: 'info' })
    let signalled = false
    const acked = await load(first, 'term', 600, (sofar) => {
      if (!signalled && sofar.length >= 100) {
        signalled = true
        first.child.kill('SIGTERM')
      }
    })
    expect(await first.exited).toBe(0)
    expect(first.output()).toContain('"msg":"stopped"')

    const second = await spawnServer(env)
    try {
      const r = await fetch(`${second.url}/v2/alerts/count?query=tag:term`, { headers: auth })
      const body = (await r.json()) as { data: { count: number } }
      expect(body.data.count).toBeGreaterThanOrEqual(acked.length)
      for (const alias of acked.slice(-20)) {
        const a = await fetch(`${second.url}/v2/alerts/${alias}?identifierType=alias`, { headers: auth })
        expect(a.status).toBe(200)
      }
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)
})
