import { ALERT_LIMITS } from '../model/limits'

/*
 * Shared text handling for every inbound mapper. Lengths are counted in Unicode code points, as Alertmanager and
 * Grafana count runes, so a cut never splits a surrogate pair (it may still split a grapheme cluster such as a
 * ZWJ emoji sequence; Opsgenie does not count graphemes either).
 */

/** The character that marks a cut string, as Alertmanager and Grafana use. */
export const ELLIPSIS = '…'

/** Label keys tagged first, so they survive the 20-tag limit; the rest follow in key order. */
export const PREFERRED_LABELS = ['alertname', 'severity', 'instance', 'job'] as const

/** Longest single detail value kept, so one huge annotation cannot starve every other detail. */
export const DETAIL_VALUE_MAX = 1000

/** Number of code points in a string. */
export function codePointLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

/** Cuts to at most `max` code points without a marker (for identifiers such as aliases). */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s
  let out = ''
  let n = 0
  for (const cp of s) {
    if (n === max) break
    out += cp
    n++
  }
  return out
}

/** Cuts to at most `max` code points, ending a cut string with '…' (counted within `max`). */
export function cut(s: string, max: number): string {
  // UTF-16 length is never below the code point count, so this fast path is exact.
  if (s.length <= max) return s
  if (max <= 0) return ''
  if (codePointLength(s) <= max) return s
  return clip(s, max - 1) + ELLIPSIS
}

/** Collapses runs of whitespace (newlines included) to one space and trims; titles must be one line. */
export function singleLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

/** The first argument that is a string with non-whitespace content. */
export function firstText(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v
  return undefined
}

/** An own property of a plain object, ignoring the prototype chain (payload keys like `constructor`). */
export function own(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined
}

/** A value as detail text: strings as they are, everything else as JSON. */
export function detailText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // BigInt and cycles cannot come from JSON.parse, but a caller might pass them.
    return String(value)
  }
}

/** Label entries with the preferred keys first (in their order), then the rest sorted by key. */
export function orderedLabels(
  labels: Record<string, string>,
  preferred: readonly string[] = PREFERRED_LABELS,
): [string, string][] {
  const first: [string, string][] = []
  for (const key of preferred) {
    const v = own(labels, key)
    if (typeof v === 'string') first.push([key, v])
  }
  const rest = Object.entries(labels)
    .filter(([k]) => !preferred.includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return [...first, ...rest]
}

/**
 * Fits tags to Opsgenie's limits: each cut to 50 code points (a cut tag keeps its `key:` so it stays findable),
 * blanks and duplicates dropped, then only the first 20 kept, so tags later in the input are the ones lost.
 */
export function limitTags(tags: Iterable<string>): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  for (const raw of tags) {
    if (out.length === ALERT_LIMITS.tagCount) break
    const tag = cut(raw.trim(), ALERT_LIMITS.tagLength)
    if (tag === '' || seen.has(tag)) continue
    seen.add(tag)
    out.push(tag)
  }
  return out
}

/**
 * Labels as `key:value` tags within limits. Internal labels (`__name__`-style, e.g. Grafana's
 * `__alert_rule_uid__`) and empty values are not tagged; past 20 tags the later keys in key order are dropped,
 * after the preferred keys (alertname, severity, instance, job) which always come first.
 */
export function labelTags(labels: Record<string, string>, preferred?: readonly string[]): string[] {
  const pairs = orderedLabels(labels, preferred).filter(([k, v]) => !k.startsWith('__') && v.trim() !== '')
  return limitTags(pairs.map(([k, v]) => `${k}:${v}`))
}

/** Size of a details map as limited here: the code points of every key and value, summed. */
export function detailsSize(details: Record<string, string>): number {
  let n = 0
  for (const [k, v] of Object.entries(details)) n += codePointLength(k) + codePointLength(v)
  return n
}

/**
 * Builds a details map within the 8 000 code point total, deterministically: entries are taken in the given
 * order, each value first cut to 1 000 code points; an entry that does not fit what is left is skipped (smaller
 * ones after it may still fit), and only a key's first occurrence counts. The result has own keys only, so a
 * payload key such as `__proto__` stays data.
 */
export function limitDetails(entries: Iterable<readonly [string, unknown]>): Record<string, string> {
  const kept: [string, string][] = []
  const seen = new Set<string>()
  let left = ALERT_LIMITS.detailsTotal
  for (const [key, raw] of entries) {
    if (seen.has(key)) continue
    seen.add(key)
    const value = cut(detailText(raw), DETAIL_VALUE_MAX)
    const size = codePointLength(key) + codePointLength(value)
    if (size > left) continue
    kept.push([key, value])
    left -= size
  }
  return Object.fromEntries(kept)
}
