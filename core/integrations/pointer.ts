import { JSON_POINTER_PATTERN } from '../model/integration-config'

const POINTER = new RegExp(JSON_POINTER_PATTERN)
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/

/** Splits an RFC 6901 pointer into unescaped tokens (`~1` → `/`, then `~0` → `~`); undefined if malformed. */
export function parsePointer(pointer: string): string[] | undefined {
  if (!POINTER.test(pointer)) return undefined
  if (pointer === '') return []
  // Unescape ~1 before ~0, as RFC 6901 §4 requires, so "~01" becomes "~1" and not "/".
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * The value at `pointer` in `doc`, or undefined when the pointer is malformed or leads nowhere. Arrays are
 * indexed by canonical decimal tokens only (no `-`, no leading zeros); objects by own properties only, so
 * `/constructor` on a payload finds nothing rather than Object's prototype.
 */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer)
  if (!tokens) return undefined
  let cur: unknown = doc
  for (const token of tokens) {
    if (Array.isArray(cur)) {
      if (!ARRAY_INDEX.test(token)) return undefined
      const i = Number(token)
      if (i >= cur.length) return undefined
      cur = cur[i]
    } else if (cur !== null && typeof cur === 'object') {
      if (!Object.hasOwn(cur, token)) return undefined
      cur = (cur as Record<string, unknown>)[token]
    } else {
      return undefined
    }
  }
  return cur
}
