import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileSafePattern, fullMatch, REGEX_LIMITS, safePattern } from '../../core/criteria/regex'

const accepts = (p: string) => compileSafePattern(p).ok
const refusal = (p: string) => {
  const r = compileSafePattern(p)
  return r.ok ? '' : r.error
}

describe('matches: pattern vetting', () => {
  it.each([
    '.*prod.*',
    '^db-\\d+$',
    '.*(db|cache)-\\d+.*',
    'disk (full|almost full)',
    '[a-z]+@example\\.com',
    '(?:ab){3}',
    '(?i)critical',
    '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}',
    '(?<host>[a-z]+)-\\d',
    'a\\(b\\)',
    '[(]x[)]*',
  ])('accepts %s', (p) => {
    expect(refusal(p)).toBe('')
  })

  it.each([
    ['(a+)+$', 'repeated group'],
    ['(a|ab)*c', 'repeated group'],
    ['(\\d+\\.)+\\d', 'repeated group'],
    ['((a)*)*', 'repeated group'],
    ['(x+x+)+y', 'repeated group'],
    ['.*.*.*.*z', 'too complex'],
    ['.*a.*b.*c.*d', 'too complex'],
    ['a{0,200}b{0,200}c{0,200}d{0,200}', 'too complex'],
    [`${'[ab]?'.repeat(30)}c`, 'too complex'],
    [`${'a{0,16}'.repeat(7)}b`, 'too complex'],
    [`${'(?:a|a)'.repeat(22)}c`, 'too complex'],
    ['(a)\\1', 'backreference'],
    ['(?<x>a)\\k<x>', 'backreference'],
    ['(?s).*', 'inline flags'],
    ['a)(b', 'unbalanced'],
    ['(a', 'unclosed'],
    ['[a-', 'unclosed'],
    ['*a', 'nothing to repeat'],
    ['a**', 'invalid pattern'],
  ])('refuses %s (%s)', (p, why) => {
    expect(refusal(p)).toContain(why)
  })

  it('refuses patterns longer than the limit', () => {
    expect(accepts('a'.repeat(REGEX_LIMITS.pattern))).toBe(true)
    expect(refusal('a'.repeat(REGEX_LIMITS.pattern + 1))).toContain(`at most ${REGEX_LIMITS.pattern}`)
  })

  it('a trailing .* is free, anything else counts', () => {
    expect(accepts('.*a.*b.*c.*')).toBe(true)
    expect(accepts('.*a.*b.*c.*?')).toBe(true)
    expect(accepts('.*a.*b.*c(.*)')).toBe(false)
    expect(accepts('.*a.*b.*c\\.*')).toBe(false)
  })

  it('three open-ended repeats still cover a whole message', () => {
    const r = compileSafePattern('[a-z]+[0-9]*[a-z]*x')
    if (!r.ok) throw new Error(r.error)
    expect(r.maxInput).toBeGreaterThanOrEqual(130)
    expect(r.maxInput).toBeLessThan(200)
  })
})

describe('matches: semantics and limits', () => {
  it('matches the whole value, dot crossing newlines', () => {
    const r = compileSafePattern('.*b.*')
    if (!r.ok) throw new Error(r.error)
    expect(fullMatch(r, 'a\nb\nc')).toBe(true)
    const anchored = compileSafePattern('b')
    if (!anchored.ok) throw new Error(anchored.error)
    expect(fullMatch(anchored, 'abc')).toBe(false)
    expect(fullMatch(anchored, 'b')).toBe(true)
  })

  it('a top-level alternative is grouped, not split by the anchors', () => {
    const r = compileSafePattern('a|b')
    if (!r.ok) throw new Error(r.error)
    expect(fullMatch(r, 'ab')).toBe(false)
    expect(fullMatch(r, 'b')).toBe(true)
  })

  it('a simple pattern sees the whole value; a costlier one a prefix sized to its work budget', () => {
    const simple = compileSafePattern('.*needle.*')
    if (!simple.ok) throw new Error(simple.error)
    expect(simple.maxInput).toBe(REGEX_LIMITS.input)
    expect(fullMatch(simple, `${'x'.repeat(14_000)}needle`)).toBe(true)
    expect(fullMatch(simple, `${'x'.repeat(REGEX_LIMITS.input)}needle`)).toBe(false)
    const costly = compileSafePattern('.*a.*needle')
    if (!costly.ok) throw new Error(costly.error)
    // Two open-ended repeats: (n+1)² ≤ work, so n is about the square root of the budget.
    expect(costly.maxInput).toBe(Math.floor(Math.sqrt(REGEX_LIMITS.work)) - 1)
    expect(fullMatch(costly, `a${'x'.repeat(costly.maxInput - 7)}needle`)).toBe(true)
    expect(fullMatch(costly, `a${'x'.repeat(costly.maxInput)}needle`)).toBe(false)
  })

  it('a cut value never matches falsely: only patterns ending in .* are tried on the prefix', () => {
    const closed = compileSafePattern('.*a.*b')
    const open = compileSafePattern('.*a.*b.*')
    const alt = compileSafePattern('.*a.*b|c.*')
    if (!closed.ok || !open.ok || !alt.ok) throw new Error('refused')
    expect([closed.openEnd, open.openEnd, alt.openEnd]).toEqual([false, true, false])
    const long = `a${'b'.repeat(closed.maxInput * 2)}c` // the prefix ends in b; the whole value does not
    expect(fullMatch(closed, long)).toBe(false)
    expect(fullMatch(alt, long)).toBe(false)
    expect(fullMatch(open, long)).toBe(true)
  })

  it('caches compiled patterns', () => {
    expect(safePattern('.*cached.*')).toBe(safePattern('.*cached.*'))
  })

  it('every accepted pattern runs quickly on adversarial input', () => {
    // The shapes the vetting still admits at their worst: two open-ended repeats over the same class.
    const worst = [
      '.*a.*b',
      '\\s*x\\s*y',
      '.*.*z',
      '(?:a|aa)b*c',
      '[ab]*[ab]*c',
      `${'a{0,16}'.repeat(5)}b`,
      `${'[ab]?'.repeat(21)}c`,
      `${'(?:a|a)'.repeat(21)}c`,
    ]
    for (const p of worst) {
      const r = compileSafePattern(p)
      if (!r.ok) throw new Error(`${p}: ${r.error}`)
      for (const input of ['ab'.repeat(2000), 'a'.repeat(5000), ' '.repeat(5000)]) {
        const t = performance.now()
        fullMatch(r, input)
        expect(performance.now() - t, `${p} on ${input.slice(0, 4)}…`).toBeLessThan(250)
      }
    }
  })

  it('random patterns over a small alphabet either get refused or run fast', () => {
    const token = fc.constantFrom(
      'a',
      'b',
      '.',
      '*',
      '+',
      '?',
      '(',
      ')',
      '|',
      '{2,}',
      '{0,9}',
      '[ab]',
      '\\d',
      '(?:a|b)',
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 24 }), (tokens) => {
        const r = compileSafePattern(tokens.join(''))
        if (!r.ok) return
        const t = performance.now()
        fullMatch(r, `${'ab'.repeat(8000)}!`)
        fullMatch(r, `${'a'.repeat(16_000)}!`)
        expect(performance.now() - t).toBeLessThan(250)
      }),
      { numRuns: 400 },
    )
  })
})
