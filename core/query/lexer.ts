import { type CompareOp, type Pattern, QuerySyntaxError } from './ast'

export type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'eof'; pos: number }
  | { type: 'op'; op: CompareOp; pos: number }
  /**
   * A value or field name. `raw` is the source slice (so `\AND` is not a keyword and field names are read
   * as typed); `pattern` is the decoded value. Quoted words never contain wildcards.
   */
  | { type: 'word'; raw: string; pattern: Pattern; quoted: boolean; pos: number }

// Characters that end an unquoted word; a backslash makes any of them part of the word instead.
const DELIMITERS = new Set(['(', ')', '"', ':', '<', '>'])

function isSpace(ch: string): boolean {
  return /\s/.test(ch)
}

/** Splits a query into tokens; throws QuerySyntaxError on an unterminated quote or dangling backslash. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (isSpace(ch)) {
      i++
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', pos: i })
      i++
    } else if (ch === ':') {
      tokens.push({ type: 'op', op: ':', pos: i })
      i++
    } else if (ch === '<' || ch === '>') {
      const op = text[i + 1] === '=' ? (`${ch}=` as CompareOp) : (ch as CompareOp)
      tokens.push({ type: 'op', op, pos: i })
      i += op.length
    } else if (ch === '"') {
      i = readQuoted(text, i, tokens)
    } else {
      i = readWord(text, i, tokens)
    }
  }
  tokens.push({ type: 'eof', pos: text.length })
  return tokens
}

function readQuoted(text: string, start: number, tokens: Token[]): number {
  let value = ''
  let i = start + 1
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\') {
      if (i + 1 >= text.length) break
      i++
    }
    value += text[i]
    i++
  }
  if (i >= text.length) throw new QuerySyntaxError(`unterminated quoted value starting at ${start}`, start)
  tokens.push({ type: 'word', raw: text.slice(start, i + 1), pattern: [value], quoted: true, pos: start })
  return i + 1
}

function readWord(text: string, start: number, tokens: Token[]): number {
  const pattern: Pattern = ['']
  let afterWildcard = false
  let escaped = false
  let i = start
  while (i < text.length) {
    let ch = text[i] as string
    if (isSpace(ch) || DELIMITERS.has(ch)) break
    if (ch === '*') {
      if (!afterWildcard) pattern.push('')
      afterWildcard = true
      i++
      continue
    }
    if (ch === '\\') {
      if (i + 1 >= text.length) throw new QuerySyntaxError(`dangling backslash at ${i}`, i)
      escaped = true
      i++
      ch = text[i] as string
    }
    pattern[pattern.length - 1] += ch
    afterWildcard = false
    i++
  }
  const raw = text.slice(start, i)
  const keyword = escaped ? undefined : raw.toUpperCase()
  if (keyword === 'AND' || keyword === 'OR' || keyword === 'NOT') {
    tokens.push({ type: keyword === 'AND' ? 'and' : keyword === 'OR' ? 'or' : 'not', pos: start })
  } else {
    tokens.push({ type: 'word', raw, pattern, quoted: false, pos: start })
  }
  return i
}
