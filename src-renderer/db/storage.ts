/*
 * The renderer's storage: Dexie (IndexedDB), the only free persistent browser storage (notes/rxdb.md §1).
 * In development it is wrapped in Ajv validation and RxDB's dev-mode checks run (dev-mode refuses an
 * unvalidated storage, DVM1); production skips both for speed.
 */
import { addRxPlugin, type RxStorage } from 'rxdb'
import { disableWarnings, RxDBDevModePlugin } from 'rxdb/plugins/dev-mode'
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie'
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'

/** Dexie storage; with `dev`, validated and with RxDB's dev-mode plugin added. */
export function browserStorage(options: { dev: boolean }): RxStorage<unknown, unknown> {
  const dexie = getRxStorageDexie() as RxStorage<unknown, unknown>
  if (!options.dev) return dexie
  disableWarnings()
  addRxPlugin(RxDBDevModePlugin)
  return wrappedValidateAjvStorage({ storage: dexie }) as RxStorage<unknown, unknown>
}
