import type { Transaction } from 'kysely'
import type { RecipientResolver } from '../../../core/escalation'
import type { ScheduleNotifyType, TeamNotifyType } from '../../../core/model/escalation'
import type { Schedule } from '../../../core/model/schedule'
import { nextOnCall, onCallAt, timeline } from '../../../core/oncall'
import { DAY_MS } from '../../../core/time/wall-clock'
import { overridesOf, toSchedule } from '../../schedules/store'
import type { Database } from '../../store/schema'

/*
 * Who a rule's recipient means at an instant, read from the store inside the engine's transaction and
 * memoised for that one transaction (a tick resolving a hundred alerts against one schedule loads it once).
 * Blocked users are never notified.
 */

/** How far back `previous` looks for the last other person on call. */
const PREVIOUS_HORIZON_MS = 92 * DAY_MS
const PREVIOUS_CHUNK_MS = 7 * DAY_MS

/** The on-call users of a schedule for a notify type, at `instant` (pure, given the schedule). */
export function scheduleUsers(s: Schedule, instant: number, type: ScheduleNotifyType): string[] {
  if (!s.enabled) return []
  const now = onCallAt(s, instant)
  if (type === 'default' || type === 'all') return now.userIds
  if (type === 'next') {
    return [...new Set(nextOnCall(s, instant).flatMap((n) => (n.next ? [n.next.userId] : [])))]
  }
  // previous: per rotation, the last user on call before the current holder's turn.
  const out: string[] = []
  now.rotations.forEach((r, i) => {
    const current = r.participant?.type === 'user' ? r.participant.id : undefined
    for (let to = instant; to > instant - PREVIOUS_HORIZON_MS; to -= PREVIOUS_CHUNK_MS) {
      const periods = timeline(s, to - PREVIOUS_CHUNK_MS, to).final[i]?.periods ?? []
      const hit = [...periods]
        .reverse()
        .find((p) => p.start < instant && p.participant.type === 'user' && p.participant.id !== current)
      if (hit && hit.participant.type === 'user') {
        if (!out.includes(hit.participant.id)) out.push(hit.participant.id)
        return
      }
    }
  })
  return out
}

/** A RecipientResolver over one transaction, plus the team-admin fallback for "nobody on call". */
export class StoreRecipients implements RecipientResolver {
  private readonly schedules = new Map<string, Schedule | null>()
  private readonly members = new Map<string, Array<{ id: string; role: string }>>()
  private readonly users = new Map<string, { username: string; blocked: boolean } | null>()
  private readonly teamNames = new Map<string, string>()

  constructor(private readonly trx: Transaction<Database>) {}

  /** The schedule (with overrides) by id, or null. */
  async schedule(id: string): Promise<Schedule | null> {
    if (this.schedules.has(id)) return this.schedules.get(id) ?? null
    const row = await this.trx.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst()
    const s = row ? toSchedule(row, (await overridesOf(this.trx, [id])).get(id) ?? []) : null
    this.schedules.set(id, s)
    return s
  }

  async scheduleOnCall(scheduleId: string, instant: number, type: ScheduleNotifyType): Promise<string[]> {
    const s = await this.schedule(scheduleId)
    return s ? this.active(scheduleUsers(s, instant, type)) : []
  }

  async teamMembers(teamId: string, type: TeamNotifyType): Promise<string[]> {
    let list = this.members.get(teamId)
    if (!list) {
      list = await this.trx
        .selectFrom('team_members')
        .select(['user_id as id', 'role'])
        .where('team_id', '=', teamId)
        .orderBy('user_id')
        .execute()
      this.members.set(teamId, list)
    }
    const ids = list.filter(
      (m) => type === 'all' || (type === 'admins' ? m.role === 'admin' : m.role !== 'admin'),
    )
    return this.active(ids.map((m) => m.id))
  }

  /** A team's name (its id when unknown), for log lines and notification bodies. */
  async teamName(id: string): Promise<string> {
    if (!this.teamNames.has(id)) {
      const row = await this.trx.selectFrom('teams').select('name').where('id', '=', id).executeTakeFirst()
      this.teamNames.set(id, row?.name ?? id)
    }
    return this.teamNames.get(id) ?? id
  }

  /** Username of a user id (the id itself when unknown), for log lines. */
  async username(id: string): Promise<string> {
    return (await this.user(id))?.username ?? id
  }

  private async user(id: string) {
    if (!this.users.has(id)) {
      const row = await this.trx
        .selectFrom('users')
        .select(['username', 'blocked'])
        .where('id', '=', id)
        .executeTakeFirst()
      this.users.set(id, row ? { username: row.username, blocked: row.blocked === 1 } : null)
    }
    return this.users.get(id) ?? null
  }

  /** Existing, unblocked users of a list, in order. */
  private async active(ids: readonly string[]): Promise<string[]> {
    const out: string[] = []
    for (const id of ids) {
      const u = await this.user(id)
      if (u && !u.blocked) out.push(id)
    }
    return out
  }
}
