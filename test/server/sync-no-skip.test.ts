/**
 * The change sequence never lets a pull skip a late commit (DESIGN "A change sequence that never skips"):
 * concurrent PostgreSQL transactions write schedules (each holding its transaction open a random while
 * after taking its sequence value) and alerts (group commit) while readers pull from their checkpoints in
 * small batches; every reader must end with every document.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { postgresAvailable } from '../support/stores'
import { connect, type SyncClient } from './sync-support'

const hasPg = await postgresAvailable()
const WRITERS = 8
const PER_WRITER = 40
const ALERTS = 120
const READERS = 4

describe.runIf(hasPg)('sync change sequence under concurrent writers (PostgreSQL)', () => {
  let srv: TestServer
  let pool: pg.Pool
  const readers: SyncClient[] = []

  beforeAll(async () => {
    srv = await startTestServer({ kind: 'postgres' })
    pool = new pg.Pool({ connectionString: srv.testStore.location.databaseUrl, max: WRITERS + 2 })
    for (let i = 0; i < READERS; i++) readers.push(await connect(srv.url, srv.ownerToken))
  })
  afterAll(async () => {
    for (const r of readers) r.close()
    await pool?.end()
    await srv?.close()
  })

  it('every reader ends with every schedule and alert', async () => {
    let writing = true
    const writer = async (w: number) => {
      for (let i = 0; i < PER_WRITER; i++) {
        const c = await pool.connect()
        try {
          await c.query('begin')
          const id = `w${w}-${i}`
          await c.query(
            `insert into schedules (id, name, team_id, description, timezone, enabled, rotations, created_at, updated_at)
             values ($1, $1, $2, '', 'UTC', 1, '[]', 0, 0)`,
            [id, srv.teamId],
          )
          // Hold the transaction open after taking the sequence value, so commits interleave with pulls.
          await c.query('select pg_sleep($1)', [Math.random() * 0.004])
          await c.query('commit')
        } finally {
          c.release()
        }
      }
    }
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    const alerts = async () => {
      for (let i = 0; i < ALERTS; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            key('POST', '/v2/alerts', { message: `a${i + j}`, alias: `a${i + j}` }),
          ),
        )
      }
    }
    const reader = async (r: SyncClient) => {
      const state = { schedules: new Set<string>(), alerts: new Set<string>() }
      const cps: Record<string, { seq: number; scope?: string } | undefined> = {}
      const once = async (collection: 'schedules' | 'alerts') => {
        for (;;) {
          const res = await r.pull(collection, cps[collection], 7)
          if (!res.ok) throw new Error(res.error.message)
          for (const d of res.value.documents) state[collection].add(d.id)
          cps[collection] = res.value.checkpoint
          if (res.value.documents.length < 7) return
        }
      }
      while (writing) {
        await once('schedules')
        await once('alerts')
      }
      // One last pull after every writer committed: only what was never skipped can be missing here.
      await once('schedules')
      await once('alerts')
      return state
    }
    const pulls = readers.map(reader)
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), alerts()])
    writing = false
    const results = await Promise.all(pulls)

    const allSchedules = (await pool.query<{ id: string }>('select id from schedules')).rows.map((r) => r.id)
    const allAlerts = (await pool.query<{ id: string }>('select id from alerts')).rows.map((r) => r.id)
    expect(allSchedules.length).toBe(WRITERS * PER_WRITER)
    expect(allAlerts.length).toBe(ALERTS)
    for (const s of results) {
      expect([...s.schedules].sort()).toEqual(allSchedules.sort())
      expect([...s.alerts].sort()).toEqual(allAlerts.sort())
    }
  }, 60_000)
})
