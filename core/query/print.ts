import type { Pattern, QueryNode } from './ast'

// Everything that would end or alter an unquoted word; the lexer accepts a backslash before any of them.
const WORD_SPECIALS = /[\s()":<>\\*]/g

/** Renders an AST as query text that parses back to an equal AST (for saved searches and tests). */
export function printAlertQuery(node: QueryNode): string {
  switch (node.kind) {
    case 'all':
      return ''
    case 'and':
      // AND binds tighter than OR, so only nested groups of the same or looser kind need parentheses.
      return node.items.map((n) => (n.kind === 'and' || n.kind === 'or' ? paren(n) : print(n))).join(' AND ')
    case 'or':
      return node.items.map((n) => (n.kind === 'or' ? paren(n) : print(n))).join(' OR ')
    case 'not':
      return `NOT ${node.item.kind === 'and' || node.item.kind === 'or' ? paren(node.item) : print(node.item)}`
    case 'number':
      return node.op === ':' ? `${node.field}: ${node.value}` : `${node.field} ${node.op} ${node.value}`
    case 'boolean':
      return `${node.field}: ${node.value}`
    case 'status':
      return `status: ${node.value}`
    case 'priority':
      return `priority: ${node.value}`
    case 'match':
      return `${node.field}: ${printPattern(node.pattern)}`
    case 'text':
      return printPattern(node.pattern)
  }
}

const print = printAlertQuery

function paren(node: QueryNode): string {
  return `(${printAlertQuery(node)})`
}

/** Quotes a literal value; writes a wildcard pattern as an escaped bare word (quotes would make `*` literal). */
function printPattern(pattern: Pattern): string {
  if (pattern.length === 1) return `"${(pattern[0] as string).replace(/["\\]/g, '\\$&')}"`
  return pattern.map((s) => s.replace(WORD_SPECIALS, '\\$&')).join('*')
}
