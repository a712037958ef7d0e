import type { Transaction, Updateable } from 'kysely'
import { normalizeDetails, normalizeTags } from '../../core/alerts/normalize'
import type { Priority } from '../../core/model/alert'
import { ALERT_LIMITS as L } from '../../core/model/limits'
import type { Recipient } from '../../core/model/recipient'
import {
  type ActionNotice,
  changeRun,
  logRunChange,
  pageAddedResponder,
  type RunChange,
  tellPaged,
} from '../engine/escalation/actions'
import { lockRun, type RunRow } from '../engine/escalation/state'
import type { AlertsTable, Database } from '../store/schema'
import type { AlertRow } from './alert-row'
import type { Batch } from './group-commit'

/** Fields every action may carry (Opsgenie's AlertActionPayload), already cut to their limits. */
export interface ActionMeta {
  user: string
  source: string
  note?: string
}

/** An action on an existing alert, as the HTTP API and later the console's command queue send it. */
export type AlertAction =
  | { type: 'acknowledge' | 'unacknowledge' | 'close' | 'delete' | 'addNote' }
  | { type: 'snooze'; endTime: number }
  | { type: 'escalate'; escalation: { id?: string; name?: string } }
  | { type: 'assign'; owner: { id?: string; username?: string } }
  | { type: 'addResponder'; responder: Recipient }
  | { type: 'addTeam'; team: { id?: string; name?: string } }
  | { type: 'addTags' | 'removeTags'; tags: string[] }
  | { type: 'addDetails'; details: Record<string, string> }
  | { type: 'removeDetails'; keys: string[] }
  | { type: 'updateMessage'; message?: string }
  | { type: 'updateDescription'; description?: string }
  | { type: 'updatePriority'; priority: Priority }

/** Opsgenie's names for actions, as the request-status endpoint reports them. */
export const ACTION_NAMES: Record<AlertAction['type'] | 'create', string> = {
  create: 'Create',
  acknowledge: 'Acknowledge',
  unacknowledge: 'UnAcknowledge',
  close: 'Close',
  delete: 'Delete',
  addNote: 'AddNote',
  snooze: 'Snooze',
  escalate: 'EscalateToNext',
  assign: 'Assign',
  addResponder: 'AddResponder',
  addTeam: 'AddTeam',
  addTags: 'AddTags',
  removeTags: 'RemoveTags',
  addDetails: 'AddDetails',
  removeDetails: 'RemoveDetails',
  updateMessage: 'UpdateMessage',
  updateDescription: 'UpdateDescription',
  updatePriority: 'UpdatePriority',
}

/** What an applied action did: its request status text, or why it failed. */
export type ActionOutcome = { success: true; status: string } | { success: false; status: string }

interface Ctx {
  trx: Transaction<Database>
  batch: Batch
  row: AlertRow
  now: number
  meta: ActionMeta
  /** The change sequence of the last update: a number unique to this event, for notification keys. */
  seq: number
}

const parse = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

async function update(c: Ctx, set: Updateable<AlertsTable>): Promise<void> {
  c.seq = await c.batch.next('change_seq')
  await c.trx
    .updateTable('alerts')
    .set({ ...set, updated_at: c.now, change_seq: c.seq })
    .where('id', '=', c.row.id)
    .execute()
}

function log(c: Ctx, type: string, text: string): void {
  c.batch.log({ alert_id: c.row.id, created_at: c.now, type, owner: c.meta.user, log: text })
}

async function addNote(c: Ctx, note: string): Promise<void> {
  await c.trx
    .insertInto('alert_notes')
    .values({ alert_id: c.row.id, created_at: c.now, owner: c.meta.user, note })
    .execute()
  log(c, 'note', `Note added: ${note.length > 200 ? `${note.slice(0, 200)}…` : note}`)
}

async function replaceTags(c: Ctx, tags: string[]): Promise<void> {
  await c.trx.deleteFrom('alert_tags').where('alert_id', '=', c.row.id).execute()
  if (tags.length) {
    await c.trx
      .insertInto('alert_tags')
      .values(tags.map((tag) => ({ alert_id: c.row.id, tag })))
      .execute()
  }
  await update(c, { tags: JSON.stringify(tags) })
}

async function replaceDetails(c: Ctx, details: Record<string, string>): Promise<void> {
  await c.trx.deleteFrom('alert_details').where('alert_id', '=', c.row.id).execute()
  const entries = Object.entries(details)
  if (entries.length) {
    await c.trx
      .insertInto('alert_details')
      .values(entries.map(([key, value]) => ({ alert_id: c.row.id, key, value })))
      .execute()
  }
  await update(c, { details: JSON.stringify(details) })
}

const sameRecipient = (a: Recipient, b: Recipient) =>
  a.type === b.type && (a.id ?? a.name ?? a.username) === (b.id ?? b.name ?? b.username)

/** Actions that change an alert's escalation run or tell the people it paged. */
const ESCALATION_ACTIONS: ReadonlySet<AlertAction['type']> = new Set([
  'acknowledge',
  'unacknowledge',
  'close',
  'snooze',
  'escalate',
  'assign',
  'addNote',
  'addResponder',
  'addTeam',
  // Deleting cascades to the run: lock it first, in the same order as every other writer.
  'delete',
])

/** Records an action in the alert's escalation run (if it has one) and logs what that means. */
async function escalation(c: Ctx, run: RunRow | undefined, change: RunChange): Promise<void> {
  if (!run) return
  const wake = await changeRun(c.trx, run, change, c.now)
  logRunChange(c.batch, c.row.id, change, wake, c.now)
}

/** Tells the people already paged for the alert (never the actor) what just happened. */
async function tell(c: Ctx, notice: Omit<ActionNotice, 'actor' | 'eventSeq'>): Promise<void> {
  await tellPaged(c.trx, c.row, { ...notice, actor: c.meta.user, eventSeq: c.seq }, c.now)
}

/** True when an action may have changed an escalation run, so the engine should look again. */
export function touchesEscalation(action: AlertAction): boolean {
  return ESCALATION_ACTIONS.has(action.type)
}

/**
 * Applies one action to an alert row inside the batch's transaction. Actions that concern escalation lock
 * the alert's run first (before the alert row and the counters: the lock order every writer keeps), record
 * the change in it, and notify the people already paged, all in the same transaction.
 */
export async function applyAction(
  trx: Transaction<Database>,
  batch: Batch,
  row: AlertRow,
  action: AlertAction,
  meta: ActionMeta,
  now: number,
): Promise<ActionOutcome> {
  const c: Ctx = { trx, batch, row, now, meta, seq: 0 }
  const run = ESCALATION_ACTIONS.has(action.type) ? await lockRun(trx, batch.dialect, row.id) : undefined
  const open = row.status === 'open'
  const via = meta.source ? ` via ${meta.source}` : ''
  let outcome: ActionOutcome
  switch (action.type) {
    case 'acknowledge': {
      if (!open) return { success: false, status: 'Alert is closed' }
      // A second ack keeps who acknowledged first; the report's ackTime is the first response.
      if (row.acknowledged === 1) {
        outcome = { success: true, status: 'Alert is already acknowledged' }
        break
      }
      await update(c, {
        acknowledged: 1,
        acknowledged_by: meta.user,
        ack_time: row.ack_time ?? now - row.created_at,
      })
      log(c, 'acknowledge', `Alert acknowledged by ${meta.user}${via}`)
      await escalation(c, run, { type: 'acknowledge' })
      await tell(c, { actionType: 'acknowledged-alert' })
      outcome = { success: true, status: 'Acknowledged' }
      break
    }
    case 'unacknowledge': {
      if (!open) return { success: false, status: 'Alert is closed' }
      await update(c, { acknowledged: 0 })
      log(c, 'unacknowledge', `Alert unacknowledged by ${meta.user}${via}`)
      await escalation(c, run, { type: 'unacknowledge' })
      outcome = { success: true, status: 'Unacknowledged' }
      break
    }
    case 'close': {
      if (!open) {
        outcome = { success: true, status: 'Alert is already closed' }
        break
      }
      await update(c, {
        status: 'closed',
        open_alias: null,
        snoozed: 0,
        snoozed_until: null,
        closed_by: meta.user,
        close_time: now - row.created_at,
      })
      log(c, 'close', `Alert closed by ${meta.user}${via}`)
      await escalation(c, run, { type: 'close' })
      await tell(c, { actionType: 'closed-alert' })
      outcome = { success: true, status: 'Closed' }
      break
    }
    case 'delete': {
      await trx.deleteFrom('alerts').where('id', '=', row.id).execute()
      return { success: true, status: 'Deleted' }
    }
    case 'addNote':
      if (!meta.note) return { success: false, status: 'Note is empty' }
      await addNote(c, meta.note)
      await update(c, {})
      await tell(c, { actionType: 'add-note', note: meta.note })
      return { success: true, status: 'Added note' }
    case 'snooze': {
      if (!open) return { success: false, status: 'Alert is closed' }
      if (action.endTime <= now) return { success: false, status: 'endTime must be in the future' }
      await update(c, { snoozed: 1, snoozed_until: action.endTime })
      log(c, 'snooze', `Alert snoozed until ${new Date(action.endTime).toISOString()} by ${meta.user}`)
      await escalation(c, run, { type: 'snooze', until: action.endTime })
      outcome = { success: true, status: 'Snoozed' }
      break
    }
    case 'escalate': {
      if (!open) return { success: false, status: 'Alert is closed' }
      const name = action.escalation.name ?? action.escalation.id ?? ''
      log(c, 'escalate-to-next', `Escalate to next requested for escalation ${name} by ${meta.user}`)
      await update(c, {})
      await escalation(c, run, { type: 'escalate' })
      outcome = { success: true, status: 'Escalated to next' }
      break
    }
    case 'assign': {
      const who = action.owner.username ?? action.owner.id ?? ''
      const user = await trx
        .selectFrom('users')
        .select(['id', 'username'])
        .where((eb) => eb.or([eb('id', '=', who), eb('username', '=', who)]))
        .executeTakeFirst()
      if (!user) return { success: false, status: `User '${who}' does not exist` }
      await update(c, { owner: user.username })
      log(c, 'assign', `Alert assigned to ${user.username} by ${meta.user}`)
      await tell(c, { actionType: 'assigned-alert', assignee: user })
      outcome = { success: true, status: 'Assigned' }
      break
    }
    case 'addResponder':
    case 'addTeam': {
      const r: Recipient =
        action.type === 'addTeam'
          ? { type: 'team', ...action.team }
          : { ...action.responder, type: action.responder.type.toLowerCase() }
      const list = parse<Recipient[]>(row.responders, [])
      if (!list.some((x) => sameRecipient(x, r))) {
        if (list.length >= L.recipients)
          return { success: false, status: `At most ${L.recipients} responders` }
        list.push(r)
        await update(c, { responders: JSON.stringify(list) })
        log(c, 'responder', `${r.type} ${r.name ?? r.username ?? r.id} added as responder by ${meta.user}`)
        // Opsgenie pages an added responder; an open alert's run gets its rules.
        if (open) await pageAddedResponder(trx, batch, row, run, r, now)
      } else {
        log(c, 'responder', `${r.type} ${r.name ?? r.username ?? r.id} added as responder by ${meta.user}`)
      }
      outcome = { success: true, status: action.type === 'addTeam' ? 'Added team' : 'Added responder' }
      break
    }
    case 'addTags':
    case 'removeTags': {
      const current = parse<string[]>(row.tags, [])
      const next =
        action.type === 'addTags'
          ? [...current, ...action.tags]
          : current.filter((t) => !action.tags.includes(t))
      const tags = normalizeTags(next)
      if (!tags.ok) return { success: false, status: tags.errors.tags ?? 'too many tags' }
      await replaceTags(c, tags.value)
      log(c, 'tags', `Tags ${action.type === 'addTags' ? 'added' : 'removed'}: ${action.tags.join(', ')}`)
      outcome = { success: true, status: action.type === 'addTags' ? 'Added tags' : 'Removed tags' }
      break
    }
    case 'addDetails':
    case 'removeDetails': {
      const current = parse<Record<string, string>>(row.details, {})
      const next =
        action.type === 'addDetails'
          ? { ...current, ...action.details }
          : Object.fromEntries(Object.entries(current).filter(([k]) => !action.keys.includes(k)))
      const details = normalizeDetails(next)
      if (!details.ok) return { success: false, status: details.errors.details ?? 'details too large' }
      await replaceDetails(c, details.value)
      const keys = action.type === 'addDetails' ? Object.keys(action.details) : action.keys
      log(c, 'details', `Details ${action.type === 'addDetails' ? 'added' : 'removed'}: ${keys.join(', ')}`)
      outcome = { success: true, status: action.type === 'addDetails' ? 'Added details' : 'Removed details' }
      break
    }
    case 'updateMessage':
      if (action.message === undefined || action.message === row.message) {
        return { success: true, status: 'Message unchanged' }
      }
      await update(c, { message: action.message })
      log(c, 'update', `Message updated to "${action.message}" by ${meta.user}`)
      outcome = { success: true, status: 'Updated message' }
      break
    case 'updateDescription':
      if (action.description === undefined || action.description === row.description) {
        return { success: true, status: 'Description unchanged' }
      }
      await update(c, { description: action.description })
      log(c, 'update', `Description updated by ${meta.user}`)
      outcome = { success: true, status: 'Updated description' }
      break
    case 'updatePriority':
      await update(c, { priority: action.priority })
      log(c, 'update', `Priority changed from ${row.priority} to ${action.priority} by ${meta.user}`)
      outcome = { success: true, status: 'Updated priority' }
      break
  }
  if (meta.note) await addNote(c, meta.note)
  return outcome
}
