import type { AlertsTable } from '../../server/store/schema'

/** A column of `alerts` that a list may be ordered by. */
export type AlertSortColumn = keyof AlertsTable

/** Result of mapping a `sort` parameter: the column, or a message fit for a 422 answer. */
export type AlertSortResult = { ok: true; column: AlertSortColumn } | { ok: false; error: string }

// The sort values of notes/opsgenie-api.md §2.1, keyed in lower case because clients vary the spelling.
const SORT_COLUMNS: Record<string, AlertSortColumn> = {
  createdat: 'created_at',
  updatedat: 'updated_at',
  tinyid: 'tiny_id',
  alias: 'alias',
  message: 'message',
  status: 'status',
  acknowledged: 'acknowledged',
  isseen: 'is_seen',
  snoozed: 'snoozed',
  snoozeduntil: 'snoozed_until',
  count: 'count',
  lastoccurredat: 'last_occurred_at',
  // The Go SDK's constant is misspelled; its users send this.
  lastoccuredat: 'last_occurred_at',
  source: 'source',
  owner: 'owner',
  'report.acktime': 'ack_time',
  'report.closetime': 'close_time',
  'report.acknowledgedby': 'acknowledged_by',
  'report.closedby': 'closed_by',
}

// Ordering by integration_id would look like it worked while ordering by an opaque id, so say so instead.
const UNSUPPORTED = new Set(['integration.name', 'integration.type'])

/** The sort values accepted by alertSortColumn, in their documented spelling. */
export const ALERT_SORT_VALUES = [
  'createdAt',
  'updatedAt',
  'tinyId',
  'alias',
  'message',
  'status',
  'acknowledged',
  'isSeen',
  'snoozed',
  'snoozedUntil',
  'count',
  'lastOccurredAt',
  'lastOccuredAt',
  'source',
  'owner',
  'report.ackTime',
  'report.closeTime',
  'report.acknowledgedBy',
  'report.closedBy',
] as const

/** Maps an Opsgenie `sort` value (§2.1) to the alerts column to order by, or explains why it cannot. */
export function alertSortColumn(sort: string): AlertSortResult {
  const key = sort.trim().toLowerCase()
  const column = Object.hasOwn(SORT_COLUMNS, key) ? SORT_COLUMNS[key] : undefined
  if (column) return { ok: true, column }
  if (UNSUPPORTED.has(key)) {
    return { ok: false, error: `sort by '${sort}' is not supported by this server` }
  }
  return { ok: false, error: `unknown sort field '${sort}'; allowed: ${ALERT_SORT_VALUES.join(', ')}` }
}
