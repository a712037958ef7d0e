import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reserveCounter } from '../../server/store/store'
import { storeKinds, type TestStore } from '../support/stores'

const kinds = await storeKinds()

describe.each(kinds)('store on $name', ({ open }) => {
  let t: TestStore
  beforeAll(async () => {
    t = await open()
  })
  afterAll(async () => t?.dispose())

  it('is migrated and answers a ping', async () => {
    expect(await t.store.ping()).toBe(true)
    const rows = await t.store.db.selectFrom('alerts').select('id').execute()
    expect(rows).toEqual([])
  })

  it('reserves consecutive counter ranges inside transactions', async () => {
    const a = await t.store.db.transaction().execute((trx) => reserveCounter(trx, 'test', 5))
    const b = await t.store.db.transaction().execute((trx) => reserveCounter(trx, 'test', 2))
    expect(a).toBe(1)
    expect(b).toBe(6)
  })
})
