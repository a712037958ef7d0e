/**
 * alertCommands: the console's outbox of alert actions. A pushed command (client-made id, status
 * `pending`) is recorded, then applied through AlertService.act (the HTTP API's code path: scope check,
 * escalation, notifications, request status) with the request id `cmd:<id>`, then marked `applied` or
 * `rejected` with the reason; that new state reaches the client on the stream, the alert's change on the
 * alerts stream.
 *
 * Exactly once: the command row's primary key makes a second push of the id a no-op, and act() writes its
 * request row (primary key `cmd:<id>`) in the same transaction as the action, so even a re-application
 * after a crash between "recorded" and "marked" cannot apply it twice: recovery finds the request row.
 */
import { isDeepStrictEqual } from 'node:util'
import type { AlertCommandDoc } from '../../core/sync/documents'
import type { PushRejection, PushResponse, PushRow, SyncDocument } from '../../core/sync/protocol'
import { tombstoneDoc } from '../../core/sync/tombstones'
import type { UserPrincipal } from '../auth/principal'
import { userTeams } from '../auth/sessions'
import type { AppContext } from '../context'
import type { ActionMeta, AlertAction } from '../ingest/alert-actions'
import type { Viewer } from './access'
import { commandDoc } from './sources/alerts'
import { syncDb } from './tables'

const SOURCE = 'Vigil console'

/** The alert action a command asks for, or why it cannot be one. */
function actionOf(cmd: AlertCommandDoc): AlertAction | string {
  const p = cmd.params
  switch (cmd.action) {
    case 'acknowledge':
    case 'unacknowledge':
    case 'close':
      return { type: cmd.action }
    case 'note':
      return p.note ? { type: 'addNote' } : 'params.note: required'
    case 'snooze':
      return p.endTime !== undefined ? { type: 'snooze', endTime: p.endTime } : 'params.endTime: required'
    case 'assign':
      return p.owner?.id || p.owner?.username ? { type: 'assign', owner: p.owner } : 'params.owner: required'
    case 'escalate':
      return p.escalation?.id || p.escalation?.name
        ? { type: 'escalate', escalation: p.escalation }
        : 'params.escalation: required'
  }
}

const requestIdOf = (commandId: string) => `cmd:${commandId}`

/** Records, applies and answers the pushed commands, in order. */
export async function pushCommands(ctx: AppContext, viewer: Viewer, rows: PushRow[]): Promise<PushResponse> {
  const db = syncDb(ctx.store.db)
  const conflicts: SyncDocument[] = []
  const rejected: PushRejection[] = []
  const refuse = (conflict: SyncDocument, reason?: string) => {
    conflicts.push(conflict)
    if (reason) rejected.push({ id: conflict.id, reason })
  }
  for (const row of rows) {
    const next = row.newDocumentState as AlertCommandDoc
    const existing = await db
      .selectFrom('sync_commands')
      .selectAll()
      .where('id', '=', next.id)
      .executeTakeFirst()
    if (existing) {
      if (existing.user_id !== viewer.userId) {
        refuse(tombstoneDoc('alertCommands', next.id), 'This id belongs to a command you cannot see')
        continue
      }
      const master = commandDoc(existing)
      if (isDeepStrictEqual(master, next)) continue
      if (next._deleted && master.status !== 'pending') {
        // The client clears its outbox of finished commands.
        await ctx.writer.submit((trx) =>
          syncDb(trx).deleteFrom('sync_commands').where('id', '=', next.id).execute(),
        )
        continue
      }
      // A retry of an applied command, or an edit: a command is never changed; the server's state stands.
      refuse(master)
      continue
    }
    if (next._deleted) continue
    const gone = await db
      .selectFrom('sync_tombstones')
      .select('id')
      .where('collection', '=', 'alertCommands')
      .where('id', '=', next.id)
      .executeTakeFirst()
    if (gone) {
      refuse(tombstoneDoc('alertCommands', next.id))
      continue
    }
    if (next.status !== 'pending') {
      refuse(tombstoneDoc('alertCommands', next.id), 'A new command must have status pending')
      continue
    }
    const action = actionOf(next)
    const inserted = await record(ctx, viewer, next, typeof action === 'string' ? action : undefined)
    if (!inserted) {
      // Pushed twice at once: the other push applies it.
      const now = await db
        .selectFrom('sync_commands')
        .selectAll()
        .where('id', '=', next.id)
        .executeTakeFirst()
      if (now && now.user_id !== viewer.userId)
        refuse(tombstoneDoc('alertCommands', next.id), 'This id belongs to a command you cannot see')
      else if (now && !isDeepStrictEqual(commandDoc(now), next)) refuse(commandDoc(now))
      continue
    }
    if (typeof action !== 'string') await apply(ctx, viewer, next.id, next.alertId, action, next.params.note)
  }
  return { conflicts, rejected }
}

/** Inserts the command (pending, or rejected with `reason`); false when the id already exists. */
async function record(
  ctx: AppContext,
  viewer: Viewer,
  cmd: AlertCommandDoc,
  reason: string | undefined,
): Promise<boolean> {
  return ctx.writer.submit(async (trx, batch) => {
    const row = await syncDb(trx)
      .insertInto('sync_commands')
      .values({
        id: cmd.id,
        user_id: viewer.userId,
        alert_id: cmd.alertId,
        action: cmd.action,
        params: JSON.stringify(cmd.params),
        created_at: cmd.createdAt,
        status: reason ? 'rejected' : 'pending',
        reason: reason ?? null,
        processed_at: reason ? ctx.clock.now() : null,
        change_seq: await batch.next('change_seq'),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  })
}

/** Applies a recorded command once through AlertService and marks its outcome. */
async function apply(
  ctx: AppContext,
  principal: UserPrincipal,
  id: string,
  alertId: string,
  action: AlertAction,
  note: string | undefined,
): Promise<void> {
  const meta: ActionMeta = { user: principal.username, source: SOURCE }
  if (note) meta.note = note
  let outcome: { success: boolean; status: string }
  try {
    outcome = await ctx.alerts.act(principal, alertId, 'id', action, meta, requestIdOf(id))
  } catch (err) {
    // Applied before (its request row exists): read what happened then. Otherwise a real failure.
    const prior = await syncDb(ctx.store.db)
      .selectFrom('alert_requests')
      .select(['success', 'status'])
      .where('request_id', '=', requestIdOf(id))
      .executeTakeFirst()
    if (!prior) {
      ctx.logger.warn({ err, command: id }, 'alert command failed')
      outcome = { success: false, status: 'The server could not apply the command' }
    } else outcome = { success: prior.success === 1, status: prior.status }
  }
  await ctx.writer.submit(async (trx, batch) => {
    await syncDb(trx)
      .updateTable('sync_commands')
      .set({
        status: outcome.success ? 'applied' : 'rejected',
        reason: outcome.success ? null : outcome.status,
        processed_at: ctx.clock.now(),
        change_seq: await batch.next('change_seq'),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute()
  })
}

/**
 * Finishes commands left pending by a crash or a restart between recording and marking them: applied
 * already (the request row exists) or not, each ends applied or rejected exactly once.
 */
export async function recoverCommands(ctx: AppContext): Promise<number> {
  const db = syncDb(ctx.store.db)
  const pending = await db
    .selectFrom('sync_commands')
    .selectAll()
    .where('status', '=', 'pending')
    .limit(500)
    .execute()
  for (const row of pending) {
    const user = await db
      .selectFrom('users')
      .select(['id', 'username', 'role'])
      .where('id', '=', row.user_id)
      .executeTakeFirst()
    const cmd = commandDoc(row)
    const action = actionOf(cmd)
    if (!user || typeof action === 'string') continue
    const principal: UserPrincipal = {
      kind: 'user',
      userId: user.id,
      username: user.username,
      role: user.role,
      sessionId: '',
      teams: await userTeams(ctx.store.db, user.id),
    }
    await apply(ctx, principal, row.id, row.alert_id, action, cmd.params.note)
  }
  return pending.length
}
