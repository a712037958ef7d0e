/*
 * `matches` runs an admin-written regular expression against alert text on the ingest path. JavaScript
 * regexes backtrack and cannot be interrupted, so a pattern such as `(a+)+$`, `[ab]?[ab]?…[ab]?c` or
 * `.*.*.*x` can hold the event loop for seconds. There is no timeout to lean on, so a pattern is vetted
 * before it is compiled and the text it sees is capped, which together bound the work of any accepted
 * pattern:
 *
 * - the pattern is at most REGEX_LIMITS.pattern characters;
 * - no backreferences (`\1`, `\k<name>`): they make matching NP-hard;
 * - a repeated group (`(...)*`, `(...)+`, `(...){2,}`) may contain neither a quantifier nor a `|`:
 *   that rules out the exponential shapes `(a+)+`, `(a|ab)*`, `(\d+\.)+` (write `[\d.]+` instead);
 * - the remaining patterns are scored by how many ways a backtracking matcher can split an input of n
 *   characters among them: a sequence multiplies the ways of its parts, alternatives add, a quantifier
 *   `{min,max}` contributes max−min+1 choices (open-ended ones up to n), and a trailing `.*` contributes
 *   none (it can never backtrack). The text a pattern sees is cut to the longest prefix, at most
 *   REGEX_LIMITS.input characters (every alert field whole), whose score stays within
 *   REGEX_LIMITS.work; a pattern that exceeds it even on REGEX_LIMITS.minInput characters is refused.
 *   A cut value can only match a pattern ending in `.*` (see fullMatch): a cut never invents a match.
 *   So `.*prod.*` sees the whole value, `.*a.*b` about the first 2,000 characters,
 *   `[a-z]+\d*[a-z]*x` about 150 (a whole message), and `.*a.*b.*c.*d` or thirty `[ab]?` in a row are
 *   refused. Scores overestimate (they ignore that `[a-z]+\d*` cannot split ambiguously), never under.
 *
 * Semantics follow Opsgenie's Java `String.matches`: the pattern must match the *whole* value (so write
 * `.*prod.*` to find "prod" anywhere, as Opsgenie's examples do). Two deliberate differences: `.` also
 * matches a newline (multi-line descriptions would otherwise never match `.*x.*`), and a leading `(?i)`
 * (Java's inline flag, which JavaScript lacks) turns on case-insensitive matching.
 */

/** Limits on `matches` patterns, the work they may do, and the text they are run against. */
export const REGEX_LIMITS = {
  pattern: 256,
  input: 16_000,
  // Enough for a whole message (130), tag (50), source (100) or action (50).
  minInput: 130,
  work: 4_000_000,
  cacheSize: 256,
} as const

/** A vetted, compiled pattern with the input length it may see, or the reason it was refused. */
export type SafePattern =
  | { ok: true; regex: RegExp; maxInput: number; openEnd: boolean }
  | { ok: false; error: string }

/** The compiled part of an accepted SafePattern. */
export type VettedPattern = Extract<SafePattern, { ok: true }>

interface Frame {
  quantified: boolean
  alternation: boolean
  /** Score of the finished alternatives, and of the one being read. */
  done: number
  seq: number
}

type Prev = { kind: 'group'; inner: Frame; cost: number } | { kind: 'atom'; dot: boolean } | undefined

const QUANTIFIER = /^\{(\d+)(,(\d*))?\}/

const frame = (): Frame => ({ quantified: false, alternation: false, done: 0, seq: 1 })

/**
 * Walks the pattern once: returns why it is refused (malformed, or of an exponential shape), or its
 * backtracking score for an input of `n` characters (see the module comment).
 */
function vet(body: string, n: number): string | { score: number; openEnd: boolean } {
  const stack: Frame[] = [frame()]
  let prev: Prev
  let openEnd = false
  // Folds the pending item (whose quantifier, if any, has been read) into the current sequence.
  const settle = (cost = 1) => {
    const top = stack[stack.length - 1] as Frame
    top.seq = Math.min(top.seq * cost, Number.MAX_SAFE_INTEGER)
  }
  let i = 0
  while (i < body.length) {
    const c = body[i] as string
    const top = stack[stack.length - 1] as Frame
    if (c === '\\') {
      const next = body[i + 1]
      if (next === undefined) return 'ends with a lone backslash'
      if (/[1-9]/.test(next) || (next === 'k' && body[i + 2] === '<')) {
        return 'backreferences (\\1, \\k<name>) are not supported'
      }
      if (prev?.kind === 'group') settle(prev.cost)
      prev = { kind: 'atom', dot: false }
      i += 2
      continue
    }
    if (c === '[') {
      let j = i + 1
      while (j < body.length && body[j] !== ']') j += body[j] === '\\' ? 2 : 1
      if (j >= body.length) return 'has an unclosed character class ['
      if (prev?.kind === 'group') settle(prev.cost)
      prev = { kind: 'atom', dot: false }
      i = j + 1
      continue
    }
    if (c === '(') {
      if (body[i + 1] === '?') {
        const kind = body[i + 2]
        if (kind === ':' || kind === '=' || kind === '!') i += 3
        else if (kind === '<' && (body[i + 3] === '=' || body[i + 3] === '!')) i += 4
        else if (kind === '<') {
          const close = body.indexOf('>', i)
          if (close < 0) return 'has an unclosed group name'
          i = close + 1
        } else return 'inline flags other than a leading (?i) are not supported'
      } else i++
      if (prev?.kind === 'group') settle(prev.cost)
      stack.push(frame())
      prev = undefined
      continue
    }
    if (c === ')') {
      if (stack.length === 1) return 'has an unbalanced )'
      if (prev?.kind === 'group') settle(prev.cost)
      const inner = stack.pop() as Frame
      // Nesting is what makes backtracking explode, so a quantifier anywhere inside counts for the parent.
      if (inner.quantified) (stack[stack.length - 1] as Frame).quantified = true
      prev = { kind: 'group', inner, cost: inner.done + inner.seq }
      i++
      continue
    }
    if (c === '|') {
      if (prev?.kind === 'group') settle(prev.cost)
      top.alternation = true
      top.done = Math.min(top.done + top.seq, Number.MAX_SAFE_INTEGER)
      top.seq = 1
      prev = undefined
      i++
      continue
    }
    let min = -1
    let max = -1
    let len = 1
    if (c === '*') [min, max] = [0, Infinity]
    else if (c === '+') [min, max] = [1, Infinity]
    else if (c === '?') [min, max] = [0, 1]
    else if (c === '{') {
      const m = QUANTIFIER.exec(body.slice(i))
      if (m) {
        min = Number(m[1])
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
        len = m[0].length
      }
    }
    if (min < 0) {
      // A plain character (a `{` that is not a quantifier is literal outside unicode mode).
      if (prev?.kind === 'group') settle(prev.cost)
      prev = { kind: 'atom', dot: c === '.' }
      i++
      continue
    }
    if (prev === undefined) return `has nothing to repeat before '${c}'`
    if (body[i + len] === '?') len++
    if (max > 1 && prev.kind === 'group' && (prev.inner.quantified || prev.inner.alternation)) {
      return 'a repeated group may not contain quantifiers or | (e.g. (a+)+ or (a|ab)*): such patterns can take exponential time'
    }
    top.quantified = true
    const trailingDotStar =
      prev.kind === 'atom' && prev.dot && min === 0 && stack.length === 1 && i + len === body.length
    openEnd = trailingDotStar
    const choices = trailingDotStar ? 1 : Math.max(Math.min(max, n) - min + 1, 1)
    settle(choices * (prev.kind === 'group' ? prev.cost : 1))
    prev = undefined
    i += len
  }
  if (stack.length > 1) return 'has an unclosed ('
  if (prev?.kind === 'group') settle(prev.cost)
  const top = stack[0] as Frame
  return { score: top.done + top.seq, openEnd: openEnd && !top.alternation }
}

/**
 * The longest input (REGEX_LIMITS.minInput..input) whose score stays within the work limit, and whether
 * the pattern ends in a top-level `.*` (so a match of a cut value implies a match of the whole); or a
 * refusal.
 */
function inputBudget(body: string): string | { maxInput: number; openEnd: boolean } {
  const low = vet(body, REGEX_LIMITS.minInput)
  if (typeof low === 'string') return low
  if (low.score > REGEX_LIMITS.work) {
    return 'too complex: it could backtrack too much (fewer optional, repeated or alternative parts, please)'
  }
  let lo: number = REGEX_LIMITS.minInput
  let hi: number = REGEX_LIMITS.input
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if ((vet(body, mid) as { score: number }).score <= REGEX_LIMITS.work) lo = mid
    else hi = mid - 1
  }
  return { maxInput: lo, openEnd: low.openEnd }
}

/** Vets and compiles a `matches` pattern without caching; see the module comment for the rules. */
export function compileSafePattern(pattern: string): SafePattern {
  if (pattern.length > REGEX_LIMITS.pattern) {
    return { ok: false, error: `must be at most ${REGEX_LIMITS.pattern} characters` }
  }
  const insensitive = pattern.startsWith('(?i)')
  const body = insensitive ? pattern.slice(4) : pattern
  const budget = inputBudget(body)
  if (typeof budget === 'string') return { ok: false, error: `unsafe or invalid pattern: ${budget}` }
  try {
    return { ok: true, regex: new RegExp(`^(?:${body})$`, insensitive ? 'si' : 's'), ...budget }
  } catch (e) {
    return { ok: false, error: `invalid pattern: ${(e as Error).message}` }
  }
}

// Criteria are often re-read from the store per alert; caching by pattern text compiles each one once.
const cache = new Map<string, SafePattern>()

/** Like compileSafePattern, but each distinct pattern is vetted and compiled once (small LRU cache). */
export function safePattern(pattern: string): SafePattern {
  const hit = cache.get(pattern)
  if (hit) {
    cache.delete(pattern)
    cache.set(pattern, hit)
    return hit
  }
  const compiled = compileSafePattern(pattern)
  cache.set(pattern, compiled)
  if (cache.size > REGEX_LIMITS.cacheSize) cache.delete(cache.keys().next().value as string)
  return compiled
}

/**
 * Whole-value match of a vetted pattern. A value longer than the pattern's budget is cut; the cut
 * value is only tested when the pattern ends in a top-level `.*` (then a match of the cut value means
 * the whole value matches too), otherwise it counts as no match. So a cut can miss, never invent, a match.
 */
export function fullMatch(
  pattern: Pick<VettedPattern, 'regex' | 'maxInput' | 'openEnd'>,
  text: string,
): boolean {
  // Lengths are UTF-16 units, the unit the matcher steps over, so the work bound holds for astral text too.
  if (text.length <= pattern.maxInput) return pattern.regex.test(text)
  return pattern.openEnd && pattern.regex.test(text.slice(0, pattern.maxInput))
}
