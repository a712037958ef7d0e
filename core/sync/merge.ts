/*
 * The client's conflict resolution (issue 4 §3): a three-way merge of the local document (mine) and the
 * server's real master state (theirs) against the state both started from (RxDB's assumedMasterState,
 * the base). A field changed on one side only takes that side's value silently; a field changed on both
 * sides to different values keeps the server's value and yields a MergeConflict, so the user's value is
 * kept in the conflicts list instead of vanishing.
 *
 * Plain objects merge field by field, recursively. Arrays of objects that all carry a unique string `id`
 * (a schedule's rotations and overrides) merge item by item, keyed by id; any other array is one value.
 * Deletions (`_deleted`) are decided explicitly, never by the field walk: a deletion on one side wins
 * when the other side did not change the document, and the server's side wins otherwise.
 *
 * Server-owned fields (`updatedBy`, core/sync/documents SERVER_OWNED_FIELDS) are not the user's to edit:
 * the merge always takes the server's value and never counts them as a change or a conflict, so the
 * server re-stamping them on every write cannot make a merge, and the push after it, loop.
 *
 * Pure: the caller passes the Clock that stamps conflicts.
 */
import type { Clock } from '../time/clock'
import { SERVER_OWNED_FIELDS } from './documents'

/** A document as RxDB hands it to a conflict handler. */
export type MergeDoc = { [key: string]: unknown; _deleted: boolean }

/** A field both sides changed differently: the server's value was kept, the local one is recorded here. */
export interface MergeConflict {
  collection: string
  docId: string
  /** Path of the field: `name`, `timeRestriction.type`, `rotations[id=r1].length`; `_deleted` for deletions. */
  field: string
  /** The value both sides started from (undefined when the document was new to this client). */
  base: unknown
  /** The local value, which was not kept. For a `_deleted` conflict: the whole local document. */
  mine: unknown
  /** The server's value, which was kept. For a `_deleted` conflict: the whole server document. */
  theirs: unknown
  /** Who made the server's change, as far as the document says. */
  who: string
  /** When the conflict was resolved (epoch ms). */
  when: number
}

export interface MergeInput<T extends MergeDoc> {
  /** RxDB's assumedMasterState; absent when the client created the document itself. */
  base?: T | undefined
  mine: T
  theirs: T
}

export interface MergeContext {
  collection: string
  clock: Clock
  /** Names the author of the server's state (e.g. its `updatedBy`); defaults to `updatedBy` or 'server'. */
  who?: (theirs: MergeDoc) => string
  /** Fields only the server writes: theirs is always kept. Defaults to SERVER_OWNED_FIELDS. */
  serverOwned?: readonly string[]
}

export interface MergeResult<T extends MergeDoc> {
  merged: T
  conflicts: MergeConflict[]
}

type Json = unknown
type Obj = Record<string, Json>
type Keyed = Obj & { id: string }

/** Deep structural equality for JSON values; object key order and undefined-valued keys are ignored. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i]))
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = definedKeys(a)
    const kb = definedKeys(b)
    if (ka.length !== kb.length) return false
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

/** Merges mine and theirs against base; the result is what the client stores and pushes next. */
export function threeWayMerge<T extends MergeDoc>(input: MergeInput<T>, ctx: MergeContext): MergeResult<T> {
  const { mine, theirs } = input
  const base = input.base?._deleted ? undefined : input.base
  const owned = ctx.serverOwned ?? SERVER_OWNED_FIELDS
  const sameContent = (a: MergeDoc, b: MergeDoc) => jsonEqual(userFields(a, owned), userFields(b, owned))
  const docId = String(theirs.id ?? mine.id)
  const conflicts: MergeConflict[] = []
  const who = (ctx.who ?? defaultWho)(theirs)
  const when = ctx.clock.now()
  const record = (field: string, b: Json, m: Json, t: Json) =>
    conflicts.push({ collection: ctx.collection, docId, field, base: b, mine: m, theirs: t, who, when })

  if (mine._deleted || theirs._deleted) {
    if (mine._deleted && theirs._deleted) return { merged: theirs, conflicts }
    if (theirs._deleted) {
      // The server deleted it: my edits survive only in the conflicts list.
      if (base === undefined || !sameContent(base, mine)) record('_deleted', false, mine, theirs)
      return { merged: theirs, conflicts }
    }
    // I deleted it: the deletion stands unless the server changed the document meanwhile.
    if (base !== undefined && sameContent(base, theirs)) return { merged: mine, conflicts }
    record('_deleted', false, mine, theirs)
    return { merged: theirs, conflicts }
  }

  // Without a base (both sides created the document) every field counts as added on both sides.
  const merged = mergeValue(
    userFields(base, owned) ?? {},
    userFields(mine, owned),
    userFields(theirs, owned),
    '',
    record,
  ) as Obj
  for (const field of owned) if (theirs[field] !== undefined) merged[field] = theirs[field]
  return { merged: { ...merged, _deleted: false } as T, conflicts }
}

type Record3 = (field: string, base: Json, mine: Json, theirs: Json) => void

/** The merge of one value; `undefined` means absent. */
function mergeValue(base: Json, mine: Json, theirs: Json, path: string, record: Record3): Json {
  if (jsonEqual(mine, theirs)) return theirs
  // `undefined` is "absent", a value like any other: a field only one side added merges silently.
  if (jsonEqual(base, mine)) return theirs
  if (jsonEqual(base, theirs)) return mine
  // Both sides changed it, differently: look inside when all three have the same structure.
  if (isPlainObject(mine) && isPlainObject(theirs) && (base === undefined || isPlainObject(base))) {
    return mergeObject(base as Obj | undefined, mine, theirs, path, record)
  }
  if (isKeyedArray(mine) && isKeyedArray(theirs) && (base === undefined || isKeyedArray(base))) {
    return mergeKeyedArray(base as Keyed[] | undefined, mine, theirs, path, record)
  }
  record(path, base, mine, theirs)
  return theirs
}

function mergeObject(base: Obj | undefined, mine: Obj, theirs: Obj, path: string, record: Record3): Obj {
  const out: Obj = {}
  const keys = new Set([...definedKeys(theirs), ...definedKeys(mine), ...(base ? definedKeys(base) : [])])
  for (const key of keys) {
    const value = mergeValue(base?.[key], mine[key], theirs[key], path ? `${path}.${key}` : key, record)
    if (value !== undefined) out[key] = value
  }
  return out
}

function mergeKeyedArray(
  base: Keyed[] | undefined,
  mine: Keyed[],
  theirs: Keyed[],
  path: string,
  record: Record3,
): Keyed[] {
  const byId = (list: Keyed[] | undefined) => new Map((list ?? []).map((item) => [item.id, item]))
  const b = byId(base)
  const m = byId(mine)
  const t = byId(theirs)
  const result = new Map<string, Keyed>()
  for (const id of new Set([...t.keys(), ...m.keys(), ...b.keys()])) {
    const value = mergeValue(b.get(id), m.get(id), t.get(id), `${path}[id=${id}]`, record)
    if (value !== undefined) result.set(id, value as Keyed)
  }
  // Order: mine when only I reordered the items both sides kept, the server's otherwise; then the rest.
  const common = (list: Keyed[] | undefined) =>
    (list ?? []).map((i) => i.id).filter((id) => b.has(id) && m.has(id) && t.has(id))
  const iReordered = base !== undefined && !jsonEqual(common(mine), common(base))
  const theyReordered = base !== undefined && !jsonEqual(common(theirs), common(base))
  const [first, second] = iReordered && !theyReordered ? [mine, theirs] : [theirs, mine]
  const ordered: Keyed[] = []
  for (const item of [...first, ...second]) {
    const value = result.get(item.id)
    if (value !== undefined) {
      ordered.push(value)
      result.delete(item.id)
    }
  }
  return ordered
}

/** The fields a user edits: the document without `_deleted` and without the server-owned fields. */
function userFields(doc: MergeDoc, owned: readonly string[]): Obj
function userFields(doc: MergeDoc | undefined, owned: readonly string[]): Obj | undefined
function userFields(doc: MergeDoc | undefined, owned: readonly string[]): Obj | undefined {
  if (doc === undefined) return undefined
  const { _deleted: _, ...rest } = doc
  for (const field of owned) delete rest[field]
  return rest
}

function defaultWho(theirs: MergeDoc): string {
  return typeof theirs.updatedBy === 'string' ? theirs.updatedBy : 'server'
}

function isPlainObject(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function definedKeys(o: Obj): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined)
}

function isKeyedArray(v: Json): v is Keyed[] {
  if (!Array.isArray(v)) return false
  const ids = new Set<string>()
  for (const item of v) {
    if (!isPlainObject(item) || typeof item.id !== 'string' || ids.has(item.id)) return false
    ids.add(item.id)
  }
  return true
}
