/*
 * RxDB 17 schemas generated from the replicated documents' TypeBox schemas (core/sync/documents.ts), so a
 * document has one schema for the server's validation, the client's store and TypeScript.
 *
 * What RxDB 17 wants beyond JSON Schema (notes/rxdb.md §3): version, primaryKey (a string with maxLength),
 * no `_`-prefixed top-level fields (RxDB adds `_deleted` itself), additionalProperties false, no `$ref`,
 * indexed fields bounded (strings: maxLength; numbers: multipleOf, minimum, maximum) and, for Dexie,
 * required. Those rules are checked here, when the schema is built, so a bad index fails fast with a clear
 * message instead of an RxDB error code at runtime; RxDB's own dev-mode check runs in the unit tests.
 */
import type { TObject } from '@sinclair/typebox'
import type { RxJsonSchema } from 'rxdb'
import type { SyncDocuments } from './documents'
import { SYNC_DOCUMENT_SCHEMAS, SYNC_INDEXES } from './documents'
import { SYNC_COLLECTIONS, type SyncCollection } from './protocol'

/** RxDB caps every primary-key and index maxLength at this (SC42). */
export const RX_MAX_INDEX_LENGTH = 2048

/** A replicated document as the client stores it: RxDB keeps `_deleted` out of the schema. */
export type RxDoc<C extends SyncCollection> = Omit<SyncDocuments[C], '_deleted'>

export interface RxSchemaOptions {
  /** Schema version; bump with a migration strategy (notes §3). */
  version?: number
  indexes?: ReadonlyArray<string | readonly string[]>
  title?: string
}

/** Annotations core/model adds for its own error messages; not JSON Schema. */
const NON_STANDARD_KEYWORDS = new Set(['errorMessage'])

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] }

/** Builds an RxJsonSchema (primary key `id`) from a document's TypeBox object schema; throws on a bad index. */
export function toRxJsonSchema<T>(schema: TObject, options: RxSchemaOptions = {}): RxJsonSchema<T> {
  // A JSON round trip drops TypeBox's symbol keys (Kind, Optional) and copies everything else; the
  // keywords only our own validators know (errorMessage) go too: RxDB's Ajv is strict and refuses them.
  const source = JSON.parse(JSON.stringify(schema), (key, value) =>
    NON_STANDARD_KEYWORDS.has(key) && typeof value === 'string' ? undefined : value,
  ) as JsonSchema
  const properties = { ...(source.properties ?? {}) }
  delete properties._deleted
  const required = (source.required ?? []).filter((k) => k !== '_deleted')
  const problems: string[] = []

  const id = properties.id
  if (id?.type !== 'string' || typeof id.maxLength !== 'number' || id.maxLength > RX_MAX_INDEX_LENGTH)
    problems.push(`id must be a string with maxLength ≤ ${RX_MAX_INDEX_LENGTH}`)
  if (!required.includes('id')) problems.push('id must be required')
  for (const key of Object.keys(properties)) {
    if (key.startsWith('_')) problems.push(`${key}: RxDB reserves top-level fields starting with _`)
  }
  if (JSON.stringify(properties).includes('"$ref"')) problems.push('$ref is not allowed')

  const indexes = (options.indexes ?? []).map((i) => (typeof i === 'string' ? i : [...i]))
  for (const field of indexes.flat()) problems.push(...indexProblems(field, properties[field], required))
  if (problems.length > 0)
    throw new Error(`invalid RxDB schema ${options.title ?? ''}: ${problems.join('; ')}`)

  const out: Record<string, unknown> = {
    version: options.version ?? 0,
    primaryKey: 'id',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  }
  if (options.title) out.title = options.title
  if (indexes.length > 0) out.indexes = indexes
  return out as unknown as RxJsonSchema<T>
}

/** The RxDB schema of every replicated collection, from core/sync/documents.ts. */
export function syncRxSchemas(): { [C in SyncCollection]: RxJsonSchema<RxDoc<C>> } {
  const entries = SYNC_COLLECTIONS.map((c) => [
    c,
    toRxJsonSchema(SYNC_DOCUMENT_SCHEMAS[c], { indexes: SYNC_INDEXES[c], title: c }),
  ])
  return Object.fromEntries(entries) as { [C in SyncCollection]: RxJsonSchema<RxDoc<C>> }
}

function indexProblems(field: string, prop: JsonSchema | undefined, required: string[]): string[] {
  if (!prop) return [`index field ${field} is not a top-level property`]
  const problems: string[] = []
  // Dexie refuses an index on an optional field (DXE1), whatever its type.
  if (!required.includes(field)) problems.push(`index field ${field} must be required`)
  if (field === 'id') problems.push('id is the primary key; RxDB appends it to every index itself')
  const t = prop.type
  if (t === 'string') {
    if (typeof prop.maxLength !== 'number' || prop.maxLength > RX_MAX_INDEX_LENGTH)
      problems.push(`index field ${field} needs maxLength ≤ ${RX_MAX_INDEX_LENGTH}`)
  } else if (t === 'number' || t === 'integer') {
    const bounded = [prop.minimum, prop.maximum, prop.multipleOf].every(
      (v) => typeof v === 'number' && Number.isFinite(v),
    )
    if (!bounded) problems.push(`index field ${field} needs multipleOf, minimum and maximum`)
  } else if (t !== 'boolean') {
    problems.push(`index field ${field} must be a string, number, integer or boolean`)
  }
  return problems
}
