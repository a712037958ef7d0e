import type { Prepare } from './sqlite'

/*
 * Single-row writes on SQLite as cached prepared statements, for the ingest hot path. SQLite runs in
 * process, so a row per statement costs microseconds, while Kysely compiling a multi-row statement costs
 * more than SQLite running it. Used only inside a group-commit transaction, which holds the store's one
 * connection, so these statements run in that transaction.
 */

/** A plain row: column name to a value better-sqlite3 binds (undefined columns are left to defaults). */
export type Row = Record<string, unknown>

/** SQL texts per (table, tail), each with the column list it was built for (a handful per table). */
const sqlCache = new Map<string, Array<{ cols: string[]; sql: string }>>()

function sameColumns(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function insertSql(table: string, cols: string[], tail: string): string {
  const key = tail ? `${table} ${tail}` : table
  let shapes = sqlCache.get(key)
  if (!shapes) {
    shapes = []
    sqlCache.set(key, shapes)
  }
  for (const shape of shapes) if (sameColumns(shape.cols, cols)) return shape.sql
  const names = cols.map((c) => `"${c}"`).join(', ')
  const sql = `insert into "${table}" (${names}) values (${cols.map(() => '?').join(', ')})${tail}`
  shapes.push({ cols, sql })
  return sql
}

function columns(row: Row): string[] {
  const cols: string[] = []
  for (const k in row) if (row[k] !== undefined) cols.push(k)
  return cols
}

/** Inserts rows into a table, one cached statement per column set. */
export function insertRows(prepare: Prepare, table: string, rows: readonly Row[]): void {
  for (const row of rows) {
    const cols = columns(row)
    prepare(insertSql(table, cols, '')).run(cols.map((c) => row[c]))
  }
}

/** Inserts one row with a trailing clause (ON CONFLICT …, RETURNING …) and returns the returned row. */
export function insertReturning<T>(prepare: Prepare, table: string, row: Row, tail: string): T | undefined {
  const cols = columns(row)
  return prepare(insertSql(table, cols, ` ${tail}`)).get(cols.map((c) => row[c])) as T | undefined
}
