import type { Kysely } from 'kysely'
import type { AppDeps } from '../deps'
import type { Database, IntegrationsTable } from '../store/schema'
import { hashToken, keyHint, newIntegrationKey } from './tokens'

/** A new key with the two values that are stored for it; `key` itself is shown once and forgotten. */
export interface NewKey {
  key: string
  hash: string
  hint: string
}

/** Generates an integration key and its stored forms. */
export function createKey(): NewKey {
  return keyFromValue(newIntegrationKey())
}

/** The stored forms of a given key value (the bootstrap key comes from the environment). */
export function keyFromValue(key: string): NewKey {
  return { key, hash: hashToken(key), hint: keyHint(key) }
}

/**
 * Replaces an integration's key; the old key stops working at once on this instance once the caller
 * evicts it (Authenticator.forgetIntegration) and on others within the cache TTL. Undefined when no such id.
 */
export async function rotateKey(deps: Pick<AppDeps, 'store' | 'clock'>, integrationId: string) {
  const next = createKey()
  const res = await deps.store.db
    .updateTable('integrations')
    .set({ key_hash: next.hash, key_hint: next.hint, updated_at: deps.clock.now() })
    .where('id', '=', integrationId)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) > 0 ? next : undefined
}

/** The integration a key hash belongs to, if any. */
export function findIntegrationByKeyHash(
  db: Kysely<Database>,
  keyHash: string,
): Promise<IntegrationsTable | undefined> {
  return db.selectFrom('integrations').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()
}
