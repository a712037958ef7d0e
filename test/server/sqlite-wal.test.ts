import { statSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqliteTestStore, type TestStore } from '../support/stores'

describe('embedded store WAL handling', () => {
  let t: TestStore
  beforeAll(async () => {
    t = await sqliteTestStore()
  })
  afterAll(async () => t?.dispose())

  it('copies committed pages into the database file in the background', async () => {
    const now = 1
    for (let i = 0; i < 20; i++) {
      await t.store.db
        .insertInto('teams')
        .values(
          Array.from({ length: 50 }, (_, j) => ({
            id: `t${i}-${j}`,
            name: `team ${i}-${j}`,
            description: 'x'.repeat(500),
            created_at: now,
            updated_at: now,
          })),
        )
        .execute()
    }
    await t.store.sync()
    // The worker checkpoints every 250 ms; give it a few rounds.
    await new Promise((r) => setTimeout(r, 1200))
    const probe = new BetterSqlite3(t.location.sqliteFile as string, { readonly: true })
    try {
      // A PASSIVE checkpoint by a reader reports [busy, frames in the WAL, frames already copied].
      const [row] = probe.pragma('wal_checkpoint(PASSIVE)') as Array<{
        busy: number
        log: number
        checkpointed: number
      }>
      expect(row?.log).toBeGreaterThan(0)
      expect(row?.checkpointed).toBe(row?.log)
    } finally {
      probe.close()
    }
    expect(statSync(t.location.sqliteFile as string).size).toBeGreaterThan(500 * 1000)
  })

  it('makes writes durable through sync() and keeps answering reads', async () => {
    await t.store.sync()
    await Promise.all([t.store.sync(), t.store.sync(), t.store.sync()])
    const n = await t.store.db
      .selectFrom('teams')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(n.n)).toBe(1000)
  })
})
