import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely'
import type { AlertsTable, Database } from '../../server/store/schema'
import { hasWildcard, type NumberField, type Pattern, type QueryNode, type TextField } from './ast'

/** A filter for `db.selectFrom('alerts').where(filter)`. */
export type AlertFilter = (eb: ExpressionBuilder<Database, 'alerts'>) => Expression<SqlBool>

type Eb = ExpressionBuilder<Database, 'alerts'>
type ColumnOf<T> = {
  [K in keyof AlertsTable]: AlertsTable[K] extends T ? `alerts.${K}` : never
}[keyof AlertsTable]
type NumberColumn = ColumnOf<number | null>
type TextColumn = ColumnOf<string | null>

/**
 * How a value without wildcards matches: `contains` and `iexact` fold case, `exact` does not. A value
 * with wildcards always matches the whole field, case-folded, with `*` standing for any run.
 */
type Mode = 'contains' | 'exact' | 'iexact'

const NUMBER_COLUMNS: Record<NumberField, NumberColumn> = {
  createdAt: 'alerts.created_at',
  updatedAt: 'alerts.updated_at',
  lastOccurredAt: 'alerts.last_occurred_at',
  snoozedUntil: 'alerts.snoozed_until',
  count: 'alerts.count',
  tinyId: 'alerts.tiny_id',
}

const BOOLEAN_COLUMNS = {
  acknowledged: 'alerts.acknowledged',
  isSeen: 'alerts.is_seen',
  snoozed: 'alerts.snoozed',
} as const

// Columns on the alert row itself. actions and responders are JSON text, so a substring match is the
// honest approximation of "one of the names contains the value" without dialect-specific JSON functions.
const ROW_TEXT: Partial<Record<TextField, [TextColumn, Mode]>> = {
  alertId: ['alerts.id', 'exact'],
  message: ['alerts.message', 'contains'],
  description: ['alerts.description', 'contains'],
  source: ['alerts.source', 'contains'],
  entity: ['alerts.entity', 'contains'],
  owner: ['alerts.owner', 'contains'],
  acknowledgedBy: ['alerts.acknowledged_by', 'contains'],
  closedBy: ['alerts.closed_by', 'contains'],
  actions: ['alerts.actions', 'contains'],
  recipients: ['alerts.responders', 'contains'],
}

const FREE_TEXT_COLUMNS: TextColumn[] = [
  'alerts.message',
  'alerts.description',
  'alerts.alias',
  'alerts.entity',
  'alerts.source',
]

/** Compiles a parsed query into a Kysely where-callback over `alerts`; all filtering happens in SQL. */
export function compileAlertQuery(ast: QueryNode): AlertFilter {
  return (eb) => compileNode(eb, ast)
}

function compileNode(eb: Eb, node: QueryNode): Expression<SqlBool> {
  switch (node.kind) {
    case 'all':
      return eb.and([])
    case 'and':
      return eb.and(node.items.map((n) => compileNode(eb, n)))
    case 'or':
      return eb.or(node.items.map((n) => compileNode(eb, n)))
    case 'not':
      return eb.not(compileNode(eb, node.item))
    case 'number': {
      const col = NUMBER_COLUMNS[node.field]
      const cmp = eb(col, node.op === ':' ? '=' : node.op, node.value)
      // Keep the result two-valued: a NULL comparison under NOT would otherwise drop the row as well.
      return node.field === 'snoozedUntil' ? eb.and([eb(col, 'is not', null), cmp]) : cmp
    }
    case 'boolean':
      return eb(BOOLEAN_COLUMNS[node.field], '=', node.value ? 1 : 0)
    case 'status':
      return eb('alerts.status', '=', node.value)
    case 'priority':
      return eb('alerts.priority', '=', node.value)
    case 'match':
      return compileMatch(eb, node.field, node.pattern)
    case 'text':
      return eb.or([
        ...FREE_TEXT_COLUMNS.map((c) => textCondition(eb.ref(c), node.pattern, 'contains')),
        tagCondition(eb, node.pattern),
      ])
  }
}

function compileMatch(eb: Eb, field: TextField, pattern: Pattern): Expression<SqlBool> {
  const row = ROW_TEXT[field]
  if (row) return textCondition(eb.ref(row[0]), pattern, row[1])
  switch (field) {
    case 'alias':
      // An alias identifies only an open alert; open_alias is NULL once closed, and the explicit test
      // keeps NOT alias: x true (not NULL) for those closed alerts.
      return eb.and([
        eb('alerts.open_alias', 'is not', null),
        textCondition(eb.ref('alerts.open_alias'), pattern, 'exact'),
      ])
    case 'tag':
      return tagCondition(eb, pattern)
    case 'details.key':
    case 'details.value': {
      const col = field === 'details.key' ? 'alert_details.key' : 'alert_details.value'
      return eb.exists(
        eb
          .selectFrom('alert_details')
          .select((sb) => sb.lit(1).as('one'))
          .whereRef('alert_details.alert_id', '=', 'alerts.id')
          .where((sb) => textCondition(sb.ref(col), pattern, 'exact')),
      )
    }
    case 'teams':
      return eb.exists(
        eb
          .selectFrom('teams')
          .select((sb) => sb.lit(1).as('one'))
          .whereRef('teams.id', '=', 'alerts.team_id')
          .where((sb) =>
            hasWildcard(pattern)
              ? textCondition(sb.ref('teams.name'), pattern, 'iexact')
              : sb.or([
                  sb('teams.id', '=', pattern[0] as string),
                  textCondition(sb.ref('teams.name'), pattern, 'iexact'),
                ]),
          ),
      )
    case 'integration.name':
    case 'integration.type': {
      const col = field === 'integration.name' ? 'integrations.name' : 'integrations.type'
      return eb.exists(
        eb
          .selectFrom('integrations')
          .select((sb) => sb.lit(1).as('one'))
          .whereRef('integrations.id', '=', 'alerts.integration_id')
          .where((sb) => textCondition(sb.ref(col), pattern, 'iexact')),
      )
    }
    default:
      throw new Error(`no compilation for field ${field}`)
  }
}

function tagCondition(eb: Eb, pattern: Pattern): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('alert_tags')
      .select((sb) => sb.lit(1).as('one'))
      .whereRef('alert_tags.alert_id', '=', 'alerts.id')
      .where((sb) => textCondition(sb.ref('alert_tags.tag'), pattern, 'exact')),
  )
}

function textCondition(col: Expression<string | null>, pattern: Pattern, mode: Mode): Expression<SqlBool> {
  if (hasWildcard(pattern)) return likeFolded(col, pattern.map(escapeLike).join('%'))
  const value = pattern[0] as string
  if (mode === 'exact') return sql<SqlBool>`${col} = ${value}`
  return likeFolded(col, mode === 'contains' ? `%${escapeLike(value)}%` : escapeLike(value))
}

/**
 * Case-folded LIKE with an explicit escape character, written the same for both dialects. Both sides go
 * through the database's lower() so each folds them alike; SQLite folds only ASCII letters, so matches
 * of non-ASCII letters in a different case may differ between SQLite and PostgreSQL.
 */
function likeFolded(col: Expression<string | null>, pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${col}) like lower(${pattern}) escape '\\'`
}

/** Makes user text literal inside a LIKE pattern whose escape character is a backslash. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&')
}
