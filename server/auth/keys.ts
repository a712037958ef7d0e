import type { Kysely } from 'kysely'
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

/** The integration a key hash belongs to, if any. */
export function findIntegrationByKeyHash(
  db: Kysely<Database>,
  keyHash: string,
): Promise<IntegrationsTable | undefined> {
  return db.selectFrom('integrations').selectAll().where('key_hash', '=', keyHash).executeTakeFirst()
}
