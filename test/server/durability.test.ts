import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, spawnServer } from '../support/process'
import { PG_BASE_URL, postgresAvailable } from '../support/stores'

const KEY = 'durability-test-key-0123456789abcdef'
const TOTAL = 4000
const CONCURRENCY = 32

type Location = { env: Record<string, string>; cleanup(): Promise<void> }

async function sqliteLocation(): Promise<Location> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kill-'))
  return { env: { VIGIL_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
}

async function postgresLocation(): Promise<Location> {
  const schema = `vigil_kill_${process.pid}_${await freePort()}`
  const c = new pg.Client({ connectionString: PG_BASE_URL })
  await c.connect()
  await c.query(`create schema ${schema}`)
  await c.end()
  const url = new URL(PG_BASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    env: { VIGIL_DATABASE_URL: url.toString() },
    cleanup: async () => {
      const d = new pg.Client({ connectionString: PG_BASE_URL })
      await d.connect()
      await d.query(`drop schema ${schema} cascade`)
      await d.end()
    },
  }
}

const kinds = [{ name: 'sqlite', open: sqliteLocation }]
if (await postgresAvailable()) kinds.push({ name: 'postgres', open: postgresLocation })

describe.each(kinds)('durability on $name', ({ open }) => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups) await c()
  })

  it('keeps every alert that got a 202, exactly once, across a SIGKILL under load', async () => {
    const loc = await open()
    cleanups.push(loc.cleanup)
    const env = {
      ...loc.env,
      VIGIL_BOOTSTRAP_API_KEY: KEY,
      VIGIL_ADMIN_PASSWORD: 'durability-password-1',
      VIGIL_KEY_RATE_LIMIT: '10000000',
    }
    const first = await spawnServer(env)
    const acked: string[] = []
    let next = 0
    let killed = false
    const worker = async () => {
      while (next < TOTAL) {
        const alias = `kill-${next++}`
        try {
          const r = await fetch(`${first.url}/v2/alerts`, {
            method: 'POST',
            headers: { authorization: `GenieKey ${KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ message: `alert ${alias}`, alias, tags: ['durability'] }),
          })
          await r.text()
          if (r.status === 202) acked.push(alias)
        } catch {
          // The server died under this request: it was never acknowledged.
        }
        if (!killed && acked.length >= TOTAL / 2) {
          killed = true
          first.child.kill('SIGKILL')
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    await first.exited
    expect(killed).toBe(true)
    expect(acked.length).toBeGreaterThanOrEqual(TOTAL / 2)

    const second = await spawnServer(env)
    try {
      const seen = new Map<string, number>()
      for (let offset = 0; ; offset += 100) {
        const r = await fetch(
          `${second.url}/v2/alerts?query=tag:durability&limit=100&offset=${offset}&order=asc`,
          {
            headers: { authorization: `GenieKey ${KEY}` },
          },
        )
        const body = (await r.json()) as { data: Array<{ alias: string; count: number }> }
        for (const a of body.data) seen.set(a.alias, (seen.get(a.alias) ?? 0) + a.count)
        if (body.data.length < 100) break
      }
      const missing = acked.filter((a) => !seen.has(a))
      expect(missing).toEqual([])
      const twice = [...seen].filter(([, n]) => n !== 1)
      expect(twice).toEqual([])
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)

  it('finishes in-flight requests on SIGTERM, flushes the store and exits 0', async () => {
    const loc = await open()
    cleanups.push(loc.cleanup)
    const env = {
      ...loc.env,
      VIGIL_BOOTSTRAP_API_KEY: KEY,
      VIGIL_ADMIN_PASSWORD: 'durability-password-1',
      VIGIL_KEY_RATE_LIMIT: '10000000',
    }
    const first = await spawnServer({ ...env, VIGIL_LOG_LEVEL: 'info' })
    const acked: string[] = []
    let next = 0
    let signalled = false
    const worker = async () => {
      while (next < 600) {
        const alias = `term-${next++}`
        try {
          const r = await fetch(`${first.url}/v2/alerts`, {
            method: 'POST',
            headers: { authorization: `GenieKey ${KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ message: alias, alias, tags: ['term'] }),
          })
          await r.text()
          if (r.status === 202) acked.push(alias)
        } catch {
          // refused once the server stopped listening
        }
        if (!signalled && acked.length >= 100) {
          signalled = true
          first.child.kill('SIGTERM')
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(await first.exited).toBe(0)
    expect(first.output()).toContain('"msg":"stopped"')

    const second = await spawnServer(env)
    try {
      const r = await fetch(`${second.url}/v2/alerts/count?query=tag:term`, {
        headers: { authorization: `GenieKey ${KEY}` },
      })
      const body = (await r.json()) as { data: { count: number } }
      expect(body.data.count).toBeGreaterThanOrEqual(acked.length)
      for (const alias of acked.slice(-20)) {
        const a = await fetch(`${second.url}/v2/alerts/${alias}?identifierType=alias`, {
          headers: { authorization: `GenieKey ${KEY}` },
        })
        expect(a.status).toBe(200)
      }
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  }, 120_000)
})
