import { addRxPlugin, createRxDatabase } from 'rxdb'
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { filter, firstValueFrom } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { syncRxSchemas } from '../../core/sync/rx-schema'
import { createSyncIssueLog } from '../../src-renderer/db/issues'
import { watchLocal } from '../../src-renderer/db/local-doc'

addRxPlugin(RxDBLocalDocumentsPlugin)

async function openDb() {
  const db = await createRxDatabase({
    name: `local-doc-${Math.random().toString(36).slice(2)}`,
    storage: getRxStorageMemory(),
    multiInstance: false,
    localDocuments: true,
  })
  await db.addCollections({ schedules: { schema: syncRxSchemas().schedules } })
  return db
}

describe('watchLocal', () => {
  it('emits the local document now and after each write to it, and ignores every other write', async () => {
    const db = await openDb()
    try {
      const seen: unknown[] = []
      let reads = 0
      const counted = {
        eventBulks$: db.eventBulks$,
        upsertLocal: db.upsertLocal.bind(db),
        getLocal: (id: string) => {
          reads++
          return db.getLocal(id)
        },
      }
      const sub = watchLocal(counted, 'status').subscribe((d) => seen.push(d ? d.toJSON().data : null))
      await firstValueFrom(watchLocal(db, 'status'))
      await db.upsertLocal('status', { state: 'online' })
      await db.upsertLocal('other', { state: 'unrelated' })
      const schedules = Array.from({ length: 200 }, (_, i) => ({
        id: `s${i}`,
        name: `schedule ${i}`,
        description: '',
        timezone: 'UTC',
        enabled: true,
        teamId: 't1',
        rotations: [],
      }))
      await db.schedules?.bulkInsert(schedules)
      await db.upsertLocal('status', { state: 'offline' })
      await firstValueFrom(
        watchLocal(db, 'status').pipe(
          filter((d) => (d?.toJSON().data as { state?: string })?.state === 'offline'),
        ),
      )
      await new Promise((r) => setTimeout(r, 20))
      sub.unsubscribe()
      expect(seen).toEqual([null, { state: 'online' }, { state: 'offline' }])
      // One read at start and one per write to it: 200 inserted schedules and another local document cost none.
      expect(reads).toBe(3)
    } finally {
      await db.close()
    }
  })

  it('feeds the issue log: a conflict added is listed by conflicts$', async () => {
    const db = await openDb()
    try {
      const log = createSyncIssueLog(db)
      const listed = firstValueFrom(log.conflicts$.pipe(filter((c) => c.length === 1)))
      await log.addConflicts([
        {
          collection: 'schedules',
          docId: 's1',
          field: 'name',
          mine: 'A',
          theirs: 'B',
          who: 'u1',
          base: 'A0',
          when: Date.UTC(2026, 10, 27, 12),
        },
      ])
      expect((await listed)[0]).toMatchObject({ docId: 's1', field: 'name', mine: 'A', theirs: 'B' })
    } finally {
      await db.close()
    }
  })
})
