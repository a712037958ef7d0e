import {
  BOOLEAN_FIELDS,
  type BooleanField,
  type CompareOp,
  FIELD_NAMES,
  type FieldName,
  NUMBER_FIELDS,
  type NumberField,
  PRIORITY_VALUES,
  type PriorityValue,
  QUERY_LIMITS,
  type QueryNode,
  QuerySyntaxError,
  STATUSES,
  type StatusValue,
  type Term,
  type TextField,
} from './ast'
import { type Token, tokenize } from './lexer'

type WordToken = Extract<Token, { type: 'word' }>
type Primary = (depth: number) => QueryNode

const FIELD_LOOKUP = new Map<string, FieldName>([
  ...FIELD_NAMES.map((f): [string, FieldName] => [f.toLowerCase(), f]),
  ['tags', 'tag'],
])
const NUMBER_SET = new Set<string>(NUMBER_FIELDS)
const BOOLEAN_SET = new Set<string>(BOOLEAN_FIELDS)

/** Parses a search query into its AST; throws QuerySyntaxError (and nothing else) when it is malformed. */
export function parseAlertQuery(text: string): QueryNode {
  if (text.length > QUERY_LIMITS.maxLength) {
    throw new QuerySyntaxError(
      `query is ${text.length} characters long; the limit is ${QUERY_LIMITS.maxLength}`,
      QUERY_LIMITS.maxLength,
    )
  }
  return new Parser(tokenize(text)).parseQuery()
}

/** Like parseAlertQuery, but returns the syntax error as a value instead of throwing it. */
export function tryParseAlertQuery(
  text: string,
): { ok: true; ast: QueryNode } | { ok: false; error: QuerySyntaxError } {
  try {
    return { ok: true, ast: parseAlertQuery(text) }
  } catch (err) {
    if (err instanceof QuerySyntaxError) return { ok: false, error: err }
    throw err
  }
}

class Parser {
  private i = 0
  private terms = 0

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): QueryNode {
    if (this.peek().type === 'eof') return { kind: 'all' }
    const node = this.parseOr(this.exprPrimary, 0)
    const tok = this.peek()
    if (tok.type === 'rparen') throw err(`unbalanced parentheses: unexpected ')' at ${tok.pos}`, tok.pos)
    if (tok.type !== 'eof') throw err(`unexpected ${describe(tok)} at ${tok.pos}`, tok.pos)
    return node
  }

  private peek(offset = 0): Token {
    // The eof token is always last, so clamping keeps every lookahead defined.
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token
  }

  private next(): Token {
    const tok = this.peek()
    if (this.i < this.tokens.length - 1) this.i++
    return tok
  }

  private parseOr(primary: Primary, depth: number): QueryNode {
    const items = [this.parseAnd(primary, depth)]
    while (this.peek().type === 'or') {
      this.next()
      items.push(this.parseAnd(primary, depth))
    }
    return items.length === 1 ? (items[0] as QueryNode) : { kind: 'or', items }
  }

  private parseAnd(primary: Primary, depth: number): QueryNode {
    const items = [this.parseUnary(primary, depth)]
    for (;;) {
      const type = this.peek().type
      if (type === 'and') this.next()
      // Adjacent terms are an implicit AND, as in Lucene and the Opsgenie console.
      else if (type !== 'word' && type !== 'lparen' && type !== 'not') break
      items.push(this.parseUnary(primary, depth))
    }
    return items.length === 1 ? (items[0] as QueryNode) : { kind: 'and', items }
  }

  private parseUnary(primary: Primary, depth: number): QueryNode {
    const tok = this.peek()
    if (tok.type !== 'not') return primary(depth)
    this.next()
    checkDepth(depth + 1, tok.pos)
    return { kind: 'not', item: this.parseUnary(primary, depth + 1) }
  }

  private group(primary: Primary, depth: number): QueryNode {
    const open = this.next()
    checkDepth(depth + 1, open.pos)
    const node = this.parseOr(primary, depth + 1)
    const tok = this.peek()
    if (tok.type === 'rparen') {
      this.next()
      return node
    }
    if (tok.type === 'eof') {
      throw err(`unbalanced parentheses: '(' at ${open.pos} is never closed`, open.pos)
    }
    throw err(`expected ')' at ${tok.pos} but found ${describe(tok)}`, tok.pos)
  }

  // An arrow so it can be passed around as the expression-level Primary without rebinding.
  private readonly exprPrimary = (depth: number): QueryNode => {
    const tok = this.peek()
    if (tok.type === 'lparen') return this.group(this.exprPrimary, depth)
    if (tok.type === 'word') {
      const after = this.peek(1)
      if (after.type === 'op') return this.fieldTerm(tok, after.op, after.pos, depth)
      this.next()
      this.countTerm(tok.pos)
      return { kind: 'text', pattern: tok.pattern }
    }
    if (tok.type === 'rparen') throw err(`unbalanced parentheses: unexpected ')' at ${tok.pos}`, tok.pos)
    throw err(`expected a search term at ${tok.pos} but found ${describe(tok)}`, tok.pos)
  }

  private fieldTerm(name: WordToken, op: CompareOp, opPos: number, depth: number): QueryNode {
    const field = FIELD_LOOKUP.get(name.raw.toLowerCase())
    if (!field) {
      throw err(
        `unknown field '${name.raw}' at ${name.pos}; known fields: ${FIELD_NAMES.join(', ')}`,
        name.pos,
      )
    }
    if (op !== ':' && !NUMBER_SET.has(field)) {
      throw err(
        `operator '${op}' at ${opPos} does not apply to ${field}; only ${NUMBER_FIELDS.join(', ')} compare`,
        opPos,
      )
    }
    this.next()
    this.next()
    // Parentheses after the operator group values (`message: (a OR b)`); each value becomes its own term.
    const valuePrimary: Primary = (d) => {
      const tok = this.peek()
      if (tok.type === 'lparen') return this.group(valuePrimary, d)
      if (tok.type !== 'word') throw err(`expected a value after '${op}' at ${tok.pos}`, tok.pos)
      this.next()
      this.countTerm(tok.pos)
      return makeTerm(field, op, tok)
    }
    return this.parseUnary(valuePrimary, depth)
  }

  private countTerm(pos: number): void {
    this.terms++
    if (this.terms > QUERY_LIMITS.maxTerms) {
      throw err(`query has more than ${QUERY_LIMITS.maxTerms} terms (term at ${pos})`, pos)
    }
  }
}

function makeTerm(field: FieldName, op: CompareOp, tok: WordToken): Term {
  const plain = tok.pattern.length === 1 ? (tok.pattern[0] as string) : undefined
  const bad = (what: string, expected: string) =>
    err(`bad ${what} '${tok.raw}' for ${field} at ${tok.pos}: expected ${expected}`, tok.pos)
  if (NUMBER_SET.has(field)) {
    const value = plain !== undefined && /^-?\d+$/.test(plain) ? Number(plain) : Number.NaN
    if (!Number.isSafeInteger(value)) {
      throw bad(
        'number',
        field.endsWith('At') || field === 'snoozedUntil' ? 'epoch milliseconds' : 'an integer',
      )
    }
    // `+ 0` turns -0 into 0 so that printing and re-parsing give back the same AST.
    return { kind: 'number', field: field as NumberField, op, value: value + 0 }
  }
  if (BOOLEAN_SET.has(field)) {
    const v = plain?.toLowerCase()
    if (v !== 'true' && v !== 'false') throw bad('boolean', 'true or false')
    return { kind: 'boolean', field: field as BooleanField, value: v === 'true' }
  }
  if (field === 'status') {
    const v = plain?.toLowerCase()
    if (!STATUSES.includes(v as StatusValue)) throw bad('status', STATUSES.join(' or '))
    return { kind: 'status', value: v as StatusValue }
  }
  if (field === 'priority') {
    const v = plain?.toUpperCase()
    if (!PRIORITY_VALUES.includes(v as PriorityValue)) throw bad('priority', PRIORITY_VALUES.join(', '))
    return { kind: 'priority', value: v as PriorityValue }
  }
  return { kind: 'match', field: field as TextField, pattern: tok.pattern }
}

function checkDepth(depth: number, pos: number): void {
  if (depth > QUERY_LIMITS.maxDepth) {
    throw err(`query nests deeper than ${QUERY_LIMITS.maxDepth} levels at ${pos}`, pos)
  }
}

function describe(tok: Token): string {
  switch (tok.type) {
    case 'word':
      return `'${tok.raw}'`
    case 'op':
      return `'${tok.op}'`
    case 'lparen':
      return `'('`
    case 'rparen':
      return `')'`
    case 'eof':
      return 'the end of the query'
    default:
      return tok.type.toUpperCase()
  }
}

function err(message: string, position: number): QuerySyntaxError {
  return new QuerySyntaxError(message, position)
}
