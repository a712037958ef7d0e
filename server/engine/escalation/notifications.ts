import type { Insertable, Transaction } from 'kysely'
import { newId } from '../../../core/ids/ids'
import type {
  NotificationActionType,
  NotificationAlert,
  NotificationPayload,
} from '../../../core/model/notification'
import type { AlertRow } from '../../ingest/alert-row'
import type { Database, NotificationsTable } from '../../store/schema'

/*
 * Writing `notifications` rows: the contract with delivery. A row is written in the same transaction as
 * what it reports (an escalation step, an action on the alert); `key` is unique, and every insert is
 * ON CONFLICT (key) DO NOTHING, so a retried or concurrent write can never tell anyone twice.
 */

const parseTags = (text: string): string[] => {
  try {
    const v = JSON.parse(text)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/** The alert as a notification shows it, snapshotted from its row. */
export function alertSnapshot(row: AlertRow): NotificationAlert {
  return {
    id: row.id,
    tinyId: String(row.tiny_id),
    alias: row.alias,
    message: row.message,
    priority: row.priority,
    status: row.status,
    teamId: row.team_id,
    tags: parseTags(row.tags),
    source: row.source,
    entity: row.entity,
  }
}

/** One line naming the alert: "[P1] #42 Disk full on db-1". */
export function alertTitle(row: AlertRow): string {
  return `[${row.priority}] #${row.tiny_id} ${row.message}`
}

/** One notification to write. */
export interface NewNotification {
  /** The alert it is about; null for notices about no alert (shift start and end). */
  alertId: string | null
  key: string
  userId: string
  actionType: NotificationActionType
  ruleIndex?: number
  cycle?: number
  payload: NotificationPayload
}

/** Rows per insert; eight columns each stays far below SQLite's bound-parameter cap. */
const CHUNK = 500

/**
 * Inserts notifications, skipping keys that already exist; returns the keys actually written, so the
 * caller can tell "notified" from "someone already did".
 */
export async function insertNotifications(
  trx: Transaction<Database>,
  list: readonly NewNotification[],
  now: number,
): Promise<Set<string>> {
  const written = new Set<string>()
  for (let i = 0; i < list.length; i += CHUNK) {
    const rows: Insertable<NotificationsTable>[] = list.slice(i, i + CHUNK).map((n) => ({
      id: newId(now),
      key: n.key,
      alert_id: n.alertId,
      user_id: n.userId,
      action_type: n.actionType,
      rule_index: n.ruleIndex ?? null,
      cycle: n.cycle ?? null,
      payload: JSON.stringify(n.payload),
      created_at: now,
      expanded_at: null,
    }))
    const out = await trx
      .insertInto('notifications')
      .values(rows)
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .execute()
    for (const r of out) written.add(r.key)
  }
  return written
}
