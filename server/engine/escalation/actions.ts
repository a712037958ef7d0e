import type { Transaction } from 'kysely'
import type { NormalizedAlert } from '../../../core/alerts/normalize'
import { planEscalation } from '../../../core/escalation'
import type { Priority } from '../../../core/model/alert'
import type { EscalationPolicy } from '../../../core/model/escalation'
import type { NotificationActionType } from '../../../core/model/notification'
import type { Recipient } from '../../../core/model/recipient'
import { normalizeUsername } from '../../../core/model/user'
import type { AlertRow } from '../../ingest/alert-row'
import type { Batch } from '../../ingest/group-commit'
import type { Database } from '../../store/schema'
import { alertSnapshot, alertTitle, insertNotifications, type NewNotification } from './notifications'
import { responderRules } from './routing'
import {
  firstWake,
  initialState,
  nextWake,
  parsePolicy,
  parseState,
  type RunRow,
  type RunState,
  saveRun,
} from './state'

/*
 * What an action on an alert does to its escalation, inside the action's own transaction: the run's
 * state records the ack, snooze or escalate request and its next wake-up moves so the engine looks again
 * promptly; people already paged hear about acks, closes, assignments and notes.
 */

/** The actions that change a run, with what the engine needs to know about them. */
export type RunChange =
  | { type: 'acknowledge' | 'unacknowledge' | 'close' | 'escalate' }
  | { type: 'snooze'; until: number }

/** Applies one action's change to the (locked) run of an alert; returns the new wake-up time. */
export async function changeRun(
  trx: Transaction<Database>,
  run: RunRow,
  change: RunChange,
  now: number,
): Promise<number | null> {
  const state: RunState = parseState(run.state, run.created_at)
  switch (change.type) {
    case 'acknowledge':
      state.acknowledged = true
      state.acknowledgedAt = now
      break
    case 'unacknowledge':
      state.acknowledged = false
      delete state.acknowledgedAt
      break
    case 'close':
      state.closed = true
      break
    case 'escalate':
      state.escalateToNextRequests = [...(state.escalateToNextRequests ?? []), now]
      break
    case 'snooze': {
      const snoozes = [...(state.snoozes ?? [])]
      const last = snoozes[snoozes.length - 1]
      // A re-snooze while snoozed moves the end of the current window (core: "update the last until").
      if (last && last.from <= now && now < last.until)
        snoozes[snoozes.length - 1] = { ...last, until: change.until }
      else snoozes.push({ from: now, until: change.until })
      state.snoozes = snoozes
      break
    }
  }
  const wake = nextWake(parsePolicy(run.policy), state, now)
  await saveRun(trx, run.alert_id, state, wake, now)
  return wake
}

/** What happened, for the people already paged: the action type, the actor and its details. */
export interface ActionNotice {
  actionType: Extract<
    NotificationActionType,
    'acknowledged-alert' | 'closed-alert' | 'assigned-alert' | 'add-note'
  >
  /** Username (or system name) of who acted; never notified about their own action. */
  actor: string
  /** A number unique to this event on this alert (the change sequence of its write): part of the key. */
  eventSeq: number
  /** The assignee (assigned-alert), who is told too. */
  assignee?: { id: string; username: string }
  /** The note's text (add-note). */
  note?: string
}

const VERB: Record<ActionNotice['actionType'], string> = {
  'acknowledged-alert': 'acknowledged',
  'closed-alert': 'closed',
  'assigned-alert': 'assigned',
  'add-note': 'added a note to',
}

/** The idempotent key of one action notice: (action, alert, event, user). */
export function noticeKey(n: ActionNotice, alertId: string, userId: string): string {
  return [n.actionType, alertId, String(n.eventSeq), userId].map(encodeURIComponent).join(':')
}

/**
 * Writes one notification per user already paged for the alert (any create-alert notification), plus
 * the assignee of an assignment, leaving out the actor. Keys are unique per event, so a retried write
 * tells nobody twice.
 */
export async function tellPaged(
  trx: Transaction<Database>,
  row: AlertRow,
  notice: ActionNotice,
  now: number,
): Promise<number> {
  const paged = await trx
    .selectFrom('notifications')
    .innerJoin('users', 'users.id', 'notifications.user_id')
    .select(['users.id', 'users.username'])
    .distinct()
    .where('notifications.alert_id', '=', row.id)
    .where('notifications.action_type', '=', 'create-alert')
    .execute()
  const people = new Map(paged.map((p) => [p.id, p.username]))
  if (notice.assignee) people.set(notice.assignee.id, notice.assignee.username)
  const actor = normalizeUsername(notice.actor)
  const verb = VERB[notice.actionType]
  const status = notice.actionType === 'closed-alert' ? 'closed' : row.status
  const alert = alertSnapshot({ ...row, status })
  const title = `${notice.actor} ${verb} ${alertTitle(row)}`
  let body = `${notice.actor} ${verb} the alert.`
  if (notice.actionType === 'assigned-alert' && notice.assignee)
    body = `${notice.actor} assigned the alert to ${notice.assignee.username}.`
  if (notice.actionType === 'add-note' && notice.note) body = `${notice.actor} wrote: ${notice.note}`
  const list: NewNotification[] = []
  for (const [userId, username] of people) {
    if (normalizeUsername(username) === actor) continue
    list.push({
      alertId: row.id,
      key: noticeKey(notice, row.id, userId),
      userId,
      actionType: notice.actionType,
      payload: { actionType: notice.actionType, title, body, alert, actor: notice.actor },
    })
  }
  if (!list.length) return 0
  return (await insertNotifications(trx, list, now)).size
}

/** Logs what an action did to the escalation, when it matters to someone reading the alert's history. */
export function logRunChange(
  batch: Batch,
  alertId: string,
  change: RunChange,
  wake: number | null,
  now: number,
) {
  const text =
    change.type === 'escalate'
      ? 'Escalate to next recorded: the next escalation level, if any is left, is notified now'
      : change.type === 'snooze'
        ? `Escalation paused until ${new Date(change.until).toISOString()}; it starts again then`
        : change.type === 'unacknowledge' && wake !== null
          ? `Escalation resumes; next look at ${new Date(wake).toISOString()}`
          : undefined
  if (text) batch.log({ alert_id: alertId, created_at: now, type: 'escalation', owner: 'system', log: text })
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** The alert row as routing's subject (criteria on message, tags, details, ...). */
function subjectOf(row: AlertRow): NormalizedAlert {
  return {
    message: row.message,
    alias: row.alias,
    description: row.description,
    responders: parseJson<Recipient[]>(row.responders, []),
    visibleTo: [],
    actions: parseJson<string[]>(row.actions, []),
    tags: parseJson<string[]>(row.tags, []),
    details: parseJson<Record<string, string>>(row.details, {}),
    entity: row.entity,
    source: row.source,
    priority: row.priority as Priority,
    user: row.owner,
    notices: [],
  }
}

/**
 * Pages a responder added to an open alert: its rules join the alert's run (created if the alert had
 * none) with delay 0 counted from the current pass, so they fire at the engine's next look and again in
 * later repeats. Copies of the new rules in passes already over are recorded as done, so nobody is paged
 * once per missed pass. Returns true when the run changed.
 */
export async function pageAddedResponder(
  trx: Transaction<Database>,
  batch: Batch,
  row: AlertRow,
  run: RunRow | undefined,
  responder: Recipient,
  now: number,
): Promise<boolean> {
  const log = (text: string) =>
    batch.log({ alert_id: row.id, created_at: now, type: 'routing', owner: 'system', log: text })
  const added = await responderRules(
    trx,
    subjectOf(row),
    { id: row.id, teamId: row.team_id },
    [responder],
    now,
    log,
  )
  if (added.length === 0) return false
  if (!run) {
    const policy: EscalationPolicy = {
      id: `alert:${row.id}`,
      name: 'Responders',
      ownerTeamId: row.team_id,
      rules: added,
    }
    const state = initialState(now)
    await trx
      .insertInto('escalation_runs')
      .values({
        alert_id: row.id,
        team_id: row.team_id,
        policy_id: null,
        policy: JSON.stringify(policy),
        state: JSON.stringify(state),
        next_wake_at: firstWake(policy, state),
        created_at: now,
        updated_at: now,
      })
      .execute()
    return true
  }
  const policy = parsePolicy(run.policy)
  const state = parseState(run.state, run.created_at)
  const first = policy.rules.length
  policy.rules = [...policy.rules, ...added.map((r) => ({ ...r, delayMinutes: 0 }))]
  const fresh = new Set(added.map((_, i) => first + i))
  const due = planEscalation(policy, state)
    .steps.filter((st) => fresh.has(st.rule) && st.dueAt <= now)
    .sort((x, y) => x.dueAt - y.dueAt)
  // Only the occurrence of the pass in progress fires; earlier passes' copies count as done.
  const latest = new Map<number, number>()
  for (const st of due) latest.set(st.rule, st.cycle)
  const fired = [...(state.fired ?? [])]
  for (const st of due) if (latest.get(st.rule) !== st.cycle) fired.push({ rule: st.rule, cycle: st.cycle })
  state.fired = fired
  await trx
    .updateTable('escalation_runs')
    .set({
      policy: JSON.stringify(policy),
      state: JSON.stringify(state),
      next_wake_at: nextWake(policy, state, now),
      updated_at: now,
    })
    .where('alert_id', '=', row.id)
    .execute()
  return true
}
