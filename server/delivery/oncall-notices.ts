import { newId } from '../../core/ids/ids'
import type { NotificationPayload } from '../../core/model/notification'
import { noticeKey, type ShiftEdge, shiftEdges } from '../../core/notify/shift-notices'
import { timeline } from '../../core/oncall/queries'
import type { Clock } from '../../core/time/clock'
import type { GroupCommitWriter } from '../ingest/group-commit'
import { listScheduleRows, loadSchedules } from '../schedules/store'
import type { NotificationsTable } from '../store/schema'
import type { Store } from '../store/store'

/** What the notice worker needs. */
export interface NoticeDeps {
  store: Store
  writer: GroupCommitWriter
  clock: Clock
}

/** Edges that passed longer ago than this (the server was down) are not announced any more. */
export const NOTICE_GRACE_MS = 15 * 60_000

/** How far behind and beyond the window the timeline is computed, so shift edges at its ends are real. */
const MARGIN_MS = 24 * 3600_000

function noticePayload(name: string, scheduleId: string, e: ShiftEdge): NotificationPayload {
  const shift = { scheduleId, scheduleName: name, start: e.start, end: e.end }
  const when = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z')
  return e.kind === 'schedule-start'
    ? {
        actionType: 'schedule-start',
        title: `You are on call for ${name} from ${when(e.start)}`,
        body: `Your shift on ${name} runs from ${when(e.start)} to ${when(e.end)}.`,
        shift,
      }
    : {
        actionType: 'schedule-end',
        title: `Your shift on ${name} ends at ${when(e.end)}`,
        body: `Your shift on ${name} (${when(e.start)} to ${when(e.end)}) ends at ${when(e.end)}.`,
        shift,
      }
}

/**
 * Writes schedule-start / schedule-end notifications for every shift edge of every enabled schedule from
 * `now - NOTICE_GRACE_MS` to `now + lookAheadMs`, for users who have an enabled rule for that action type.
 * The key (schedule, user, kind, shift start and end) makes every notice exactly-once however often this
 * runs and on however many instances; delivery times come from each rule's notificationTime (expansion).
 * Returns how many notices were new.
 */
export async function writeShiftNotices(deps: NoticeDeps, lookAheadMs: number): Promise<number> {
  const db = deps.store.db
  const wanting = await db
    .selectFrom('notification_rules')
    .select(['user_id', 'action_type'])
    .where('enabled', '=', 1)
    .where('action_type', 'in', ['schedule-start', 'schedule-end'])
    .execute()
  if (wanting.length === 0) return 0
  const wants = new Set(wanting.map((w) => `${w.user_id}/${w.action_type}`))
  const now = deps.clock.now()
  const from = now - NOTICE_GRACE_MS
  const to = now + lookAheadMs
  const rows: NotificationsTable[] = []
  for (const { row, schedule } of await loadSchedules(db, await listScheduleRows(db))) {
    if (!schedule.enabled) continue
    const tl = timeline(schedule, from - MARGIN_MS, to + MARGIN_MS)
    for (const e of shiftEdges(tl.final, tl, from, to)) {
      if (!wants.has(`${e.userId}/${e.kind}`)) continue
      rows.push({
        id: newId(now),
        key: noticeKey(row.id, e),
        alert_id: null,
        user_id: e.userId,
        action_type: e.kind,
        rule_index: null,
        cycle: null,
        payload: JSON.stringify(noticePayload(row.name, row.id, e)),
        created_at: now,
        expanded_at: null,
      })
    }
  }
  if (rows.length === 0) return 0
  const keys = rows.map((r) => r.key)
  const known = new Set<string>()
  for (let i = 0; i < keys.length; i += 500) {
    const found = await db
      .selectFrom('notifications')
      .select('key')
      .where('key', 'in', keys.slice(i, i + 500))
      .execute()
    for (const f of found) known.add(f.key)
  }
  const fresh = rows.filter((r) => !known.has(r.key))
  if (fresh.length === 0) return 0
  return deps.writer.submit(async (trx) => {
    let n = 0
    for (let i = 0; i < fresh.length; i += 200) {
      const res = await trx
        .insertInto('notifications')
        .values(fresh.slice(i, i + 200))
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst()
      n += Number(res.numInsertedOrUpdatedRows ?? 0)
    }
    return n
  })
}
