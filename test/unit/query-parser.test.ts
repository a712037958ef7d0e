import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { QUERY_LIMITS, type QueryNode, QuerySyntaxError } from '../../core/query/ast'
import { parseAlertQuery, tryParseAlertQuery } from '../../core/query/parser'
import { printAlertQuery } from '../../core/query/print'

const parse = parseAlertQuery
const status = (value: 'open' | 'closed'): QueryNode => ({ kind: 'status', value })
const msg = (...pattern: string[]): QueryNode => ({ kind: 'match', field: 'message', pattern })
const text = (...pattern: string[]): QueryNode => ({ kind: 'text', pattern })

/** The error a query raises, so tests can look at message and position together. */
function syntaxError(query: string): QuerySyntaxError {
  const result = tryParseAlertQuery(query)
  if (result.ok) throw new Error(`expected ${JSON.stringify(query)} to be rejected`)
  return result.error
}

describe('parseAlertQuery: terms', () => {
  it('accepts every spacing around the colon', () => {
    for (const q of ['status: open', 'status:open', 'status : open', '  status :open  ']) {
      expect(parse(q)).toEqual(status('open'))
    }
  })

  it('reads field names, keywords and enum values case-insensitively', () => {
    expect(parse('STATUS: Closed')).toEqual(status('closed'))
    expect(parse('isseen: TRUE')).toEqual({ kind: 'boolean', field: 'isSeen', value: true })
    expect(parse('priority: p2')).toEqual({ kind: 'priority', value: 'P2' })
    expect(parse('Integration.Name: x')).toEqual({ kind: 'match', field: 'integration.name', pattern: ['x'] })
    expect(parse('a and b or not c')).toEqual(parse('a AND b OR NOT c'))
  })

  it('treats tags as a synonym of tag', () => {
    expect(parse('tags: prod')).toEqual({ kind: 'match', field: 'tag', pattern: ['prod'] })
  })

  it('parses comparisons on numeric fields', () => {
    expect(parse('createdAt >= 1700000000000')).toEqual({
      kind: 'number',
      field: 'createdAt',
      op: '>=',
      value: 1700000000000,
    })
    expect(parse('count>5')).toEqual({ kind: 'number', field: 'count', op: '>', value: 5 })
    expect(parse('tinyId<=3')).toEqual({ kind: 'number', field: 'tinyId', op: '<=', value: 3 })
    expect(parse('snoozedUntil < 9')).toMatchObject({ op: '<' })
    expect(parse('tinyId: 7')).toEqual({ kind: 'number', field: 'tinyId', op: ':', value: 7 })
    expect(parse('count: -0')).toEqual({ kind: 'number', field: 'count', op: ':', value: 0 })
  })

  it('decodes quoted values and escapes', () => {
    expect(parse('message: "disk \\"full\\" 100%"')).toEqual(msg('disk "full" 100%'))
    expect(parse('message: "a*b"')).toEqual(msg('a*b'))
    expect(parse('message: a\\*b')).toEqual(msg('a*b'))
    expect(parse('message: a\\ b')).toEqual(msg('a b'))
    expect(parse('"AND"')).toEqual(text('AND'))
    expect(parse('\\OR')).toEqual(text('OR'))
  })

  it('splits values on wildcards and collapses repeated ones', () => {
    expect(parse('message: disk*')).toEqual(msg('disk', ''))
    expect(parse('message: *disk')).toEqual(msg('', 'disk'))
    expect(parse('message: a*b*c')).toEqual(msg('a', 'b', 'c'))
    expect(parse('message: a**b')).toEqual(msg('a', 'b'))
    expect(parse('*')).toEqual(text('', ''))
  })

  it('reads a bare value as free text', () => {
    expect(parse('disk')).toEqual(text('disk'))
    expect(parse('"two words"')).toEqual(text('two words'))
  })

  it('gives the empty query its own node', () => {
    expect(parse('')).toEqual({ kind: 'all' })
    expect(parse(' \t\n')).toEqual({ kind: 'all' })
  })
})

describe('parseAlertQuery: structure', () => {
  it('joins adjacent terms with an implicit AND that binds tighter than OR', () => {
    expect(parse('a b OR c')).toEqual({
      kind: 'or',
      items: [{ kind: 'and', items: [text('a'), text('b')] }, text('c')],
    })
    expect(parse('a AND b AND c')).toEqual({ kind: 'and', items: [text('a'), text('b'), text('c')] })
  })

  it('groups with parentheses and negates with NOT', () => {
    expect(parse('NOT (status: open OR a)')).toEqual({
      kind: 'not',
      item: { kind: 'or', items: [status('open'), text('a')] },
    })
    expect(parse('NOT NOT a')).toEqual({ kind: 'not', item: { kind: 'not', item: text('a') } })
    expect(parse('((a))')).toEqual(text('a'))
  })

  it('expands a value group into one term per value', () => {
    expect(parse('message: (a OR b)')).toEqual({ kind: 'or', items: [msg('a'), msg('b')] })
    expect(parse('message: (a b)')).toEqual({ kind: 'and', items: [msg('a'), msg('b')] })
    expect(parse('message: (a OR NOT (b c))')).toEqual({
      kind: 'or',
      items: [msg('a'), { kind: 'not', item: { kind: 'and', items: [msg('b'), msg('c')] } }],
    })
    expect(parse('message: NOT a')).toEqual({ kind: 'not', item: msg('a') })
  })

  it('ends a value at the first term without parentheses', () => {
    expect(parse('message: disk full')).toEqual({ kind: 'and', items: [msg('disk'), text('full')] })
  })
})

describe('parseAlertQuery: errors', () => {
  it('names an unknown field, its position and the known fields', () => {
    const e = syntaxError('a: foo: x')
    expect(e).toBeInstanceOf(QuerySyntaxError)
    expect(e.message).toMatch(/^unknown field 'a' at 0; known fields: createdAt, .*details\.value/)
    expect(e.position).toBe(0)
    expect(syntaxError('status: open AND fooo: 1').position).toBe(17)
  })

  it('asks for a value after the operator', () => {
    expect(syntaxError('status:').message).toBe("expected a value after ':' at 7")
    expect(syntaxError('count > )').message).toBe("expected a value after '>' at 8")
    expect(syntaxError('message: AND x').position).toBe(9)
  })

  it('reports unbalanced parentheses', () => {
    expect(syntaxError('(a OR b').message).toBe("unbalanced parentheses: '(' at 0 is never closed")
    expect(syntaxError('a OR b)').message).toBe("unbalanced parentheses: unexpected ')' at 6")
    expect(syntaxError(')').position).toBe(0)
    expect(syntaxError('message: (a OR b').position).toBe(9)
  })

  it('rejects malformed numbers, booleans, statuses and priorities', () => {
    expect(syntaxError('createdAt > soon').message).toBe(
      "bad number 'soon' for createdAt at 12: expected epoch milliseconds",
    )
    expect(syntaxError('count: 1.5').message).toMatch(/bad number '1.5' for count at 7: expected an integer/)
    expect(syntaxError('count: 99999999999999999999').message).toMatch(/bad number/)
    expect(syntaxError('createdAt: 1*').message).toMatch(/bad number '1\*'/)
    expect(syntaxError('acknowledged: yes').message).toBe(
      "bad boolean 'yes' for acknowledged at 14: expected true or false",
    )
    expect(syntaxError('status: acked').message).toMatch(/bad status 'acked' .* expected open or closed/)
    expect(syntaxError('priority: P6').message).toMatch(/bad priority 'P6' .* expected P1, P2, P3, P4, P5/)
    expect(syntaxError('priority: P*').message).toMatch(/bad priority/)
  })

  it('rejects comparisons on fields that do not compare', () => {
    const e = syntaxError('priority < P3')
    expect(e.message).toMatch(/^operator '<' at 9 does not apply to priority/)
    expect(e.position).toBe(9)
  })

  it('rejects broken quoting and escapes', () => {
    expect(syntaxError('message: "open').message).toBe('unterminated quoted value starting at 9')
    expect(syntaxError('message: "x\\"').position).toBe(9)
    expect(syntaxError('abc\\').message).toBe('dangling backslash at 3')
    expect(syntaxError('"status": open').message).toMatch(/^unknown field '"status"' at 0/)
    expect(syntaxError('(a) : b').message).toBe("unexpected ':' at 4")
  })

  it('enforces the length limit exactly', () => {
    const ok = `message: "${'x'.repeat(QUERY_LIMITS.maxLength - 11)}"`
    expect(ok.length).toBe(QUERY_LIMITS.maxLength)
    expect(() => parse(ok)).not.toThrow()
    const e = syntaxError(`${ok} `)
    expect(e.message).toMatch(/4001 characters long; the limit is 4000/)
    expect(e.position).toBe(QUERY_LIMITS.maxLength)
  })

  it('enforces the term limit exactly, counting values in groups', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`)
    expect(() => parse(terms(64).join(' '))).not.toThrow()
    expect(syntaxError(terms(65).join(' ')).message).toMatch(/more than 64 terms \(term at \d+\)/)
    expect(syntaxError(`message: (${terms(65).join(' OR ')})`).message).toMatch(/more than 64 terms/)
  })

  it('enforces the nesting limit exactly, counting parentheses and NOT', () => {
    const nest = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`
    expect(parse(nest(16))).toEqual(text('a'))
    expect(syntaxError(nest(17)).message).toBe('query nests deeper than 16 levels at 16')
    expect(() => parse(`${'NOT '.repeat(16)}a`)).not.toThrow()
    expect(syntaxError(`${'NOT '.repeat(17)}a`).message).toMatch(/nests deeper than 16/)
    expect(syntaxError(`${'('.repeat(8)}message: ${'('.repeat(9)}a`).message).toMatch(/nests deeper/)
  })

  it('throws from parseAlertQuery and returns from tryParseAlertQuery', () => {
    expect(() => parse('foo: 1')).toThrow(QuerySyntaxError)
    expect(tryParseAlertQuery('status: open')).toEqual({ ok: true, ast: status('open') })
  })
})

describe('printAlertQuery', () => {
  it('prints parseable text with the fewest parentheses', () => {
    expect(printAlertQuery(parse('a b OR c'))).toBe('"a" AND "b" OR "c"')
    expect(printAlertQuery(parse('message: (a OR b) status:open'))).toBe(
      '(message: "a" OR message: "b") AND status: open',
    )
    expect(printAlertQuery(parse('NOT (a b)'))).toBe('NOT ("a" AND "b")')
    expect(printAlertQuery(parse('count>=3 tag: x\\ y*'))).toBe('count >= 3 AND tag: x\\ y*')
    expect(printAlertQuery(parse(''))).toBe('')
  })
})

// Values drawn from the characters that matter to the lexer, so escaping is exercised often.
const valueChar = fc.constantFrom(
  'a',
  'B',
  ' ',
  '\t',
  '\\',
  '"',
  '*',
  '(',
  ')',
  ':',
  '<',
  '>',
  '=',
  '%',
  '_',
  'é',
)
const literal = fc.string({ unit: valueChar, maxLength: 6 })
// Interior runs between wildcards are never empty: `a**b` is the same pattern as `a*b`.
const pattern = fc.oneof(
  literal.map((s) => [s]),
  fc
    .tuple(
      literal,
      fc.array(
        literal.filter((s) => s !== ''),
        { maxLength: 2 },
      ),
      literal,
    )
    .map(([a, mid, z]) => [a, ...mid, z]),
)
const term: fc.Arbitrary<QueryNode> = fc.oneof(
  fc.record({
    kind: fc.constant('number' as const),
    field: fc.constantFrom('createdAt', 'updatedAt', 'lastOccurredAt', 'snoozedUntil', 'count', 'tinyId'),
    op: fc.constantFrom(':', '<', '<=', '>', '>='),
    value: fc.maxSafeInteger().filter((n) => n >= -Number.MAX_SAFE_INTEGER),
  }),
  fc.record({
    kind: fc.constant('boolean' as const),
    field: fc.constantFrom('isSeen', 'acknowledged', 'snoozed'),
    value: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('status' as const), value: fc.constantFrom('open', 'closed') }),
  fc.record({ kind: fc.constant('priority' as const), value: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5') }),
  fc.record({
    kind: fc.constant('match' as const),
    field: fc.constantFrom(
      'message',
      'alias',
      'tag',
      'details.key',
      'integration.type',
      'teams',
      'recipients',
    ),
    pattern,
  }),
  fc.record({ kind: fc.constant('text' as const), pattern }),
)
const { node } = fc.letrec<{ node: QueryNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    term,
    fc.record({
      kind: fc.constant('and' as const),
      items: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('or' as const),
      items: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('not' as const), item: tie('node') }),
  ),
}))

describe('parser properties', () => {
  it('throws nothing but QuerySyntaxError on arbitrary text', () => {
    const queryish = fc.string({
      unit: fc.constantFrom(...'()":<>=*\\ \tab', 'AND ', 'or ', 'NOT ', 'status', 'count', 'message', '1'),
      maxLength: 40,
    })
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), queryish), (q) => {
        try {
          parse(q)
        } catch (e) {
          if (!(e instanceof QuerySyntaxError)) throw e
          expect(e.position).toBeGreaterThanOrEqual(0)
          expect(e.position).toBeLessThanOrEqual(q.length)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('re-parses a printed AST to the same AST', () => {
    fc.assert(
      fc.property(node, (ast) => {
        expect(parse(printAlertQuery(ast))).toEqual(ast)
      }),
      { numRuns: 1000 },
    )
  })

  it('prints any accepted query to text that parses to the same AST', () => {
    const queryish = fc.string({
      unit: fc.constantFrom(
        '(',
        ')',
        ' ',
        '*',
        '"x"',
        'a',
        'AND ',
        'OR ',
        'NOT ',
        'tag:',
        'count>',
        '1',
        'status:open',
      ),
      maxLength: 30,
    })
    fc.assert(
      fc.property(queryish, (q) => {
        const result = tryParseAlertQuery(q)
        if (result.ok) expect(parse(printAlertQuery(result.ast))).toEqual(result.ast)
      }),
      { numRuns: 2000 },
    )
  })
})
