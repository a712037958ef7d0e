/** Store access for schedules: rows to core's `Schedule` (rotations plus overrides), and user look-ups. */
import type { Kysely } from 'kysely'
import type { Override, Rotation, Schedule } from '../../core/model/schedule'
import { normalizeUsername } from '../../core/model/user'
import type { Database, ScheduleOverridesTable, SchedulesTable } from '../store/schema'

/** A schedule row with its owner team's name. */
export type ScheduleRow = SchedulesTable & { team_name: string }

/** A schedule as the API works with it: the row and the core value built from it. */
export interface LoadedSchedule {
  row: ScheduleRow
  schedule: Schedule
}

type Db = Kysely<Database>

function selectSchedules(db: Db) {
  return db
    .selectFrom('schedules')
    .innerJoin('teams', 'teams.id', 'schedules.team_id')
    .selectAll('schedules')
    .select('teams.name as team_name')
}

/** One schedule row by id or name. */
export function findScheduleRow(db: Db, identifier: string, type: 'id' | 'name') {
  return selectSchedules(db)
    .where(type === 'id' ? 'schedules.id' : 'schedules.name', '=', identifier)
    .executeTakeFirst()
}

/** Schedule rows of some teams (every team when `teamIds` is undefined), ordered by name. */
export function listScheduleRows(db: Db, teamIds?: string[]): Promise<ScheduleRow[]> {
  if (teamIds?.length === 0) return Promise.resolve([])
  return selectSchedules(db)
    .$if(teamIds !== undefined, (q) => q.where('schedules.team_id', 'in', teamIds as string[]))
    .orderBy('schedules.name')
    .execute()
}

/** An override row as core's Override. */
export function toOverride(r: ScheduleOverridesTable): Override {
  const o: Override = { id: r.alias, userId: r.user_id, start: Number(r.start_at), end: Number(r.end_at) }
  if (r.rotation_ids !== null) o.rotationIds = JSON.parse(r.rotation_ids) as string[]
  return o
}

/** Builds core's Schedule from a row and its overrides. */
export function toSchedule(row: SchedulesTable, overrides: Override[]): Schedule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    timezone: row.timezone,
    enabled: row.enabled === 1,
    ownerTeamId: row.team_id,
    rotations: JSON.parse(row.rotations) as Rotation[],
    overrides,
  }
}

/** The overrides of some schedules, by schedule id, ordered by start. */
export async function overridesOf(db: Db, scheduleIds: string[]): Promise<Map<string, Override[]>> {
  const out = new Map<string, Override[]>(scheduleIds.map((id) => [id, []]))
  if (scheduleIds.length === 0) return out
  const rows = await db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule_id', 'in', scheduleIds)
    .orderBy('start_at')
    .orderBy('alias')
    .execute()
  for (const r of rows) out.get(r.schedule_id)?.push(toOverride(r))
  return out
}

/** Loads one schedule with its overrides. */
export async function loadSchedule(
  db: Db,
  identifier: string,
  type: 'id' | 'name',
): Promise<LoadedSchedule | undefined> {
  const row = await findScheduleRow(db, identifier, type)
  if (!row) return undefined
  const overrides = await overridesOf(db, [row.id])
  return { row, schedule: toSchedule(row, overrides.get(row.id) ?? []) }
}

/** Loads schedules (rows already chosen) with their overrides. */
export async function loadSchedules(db: Db, rows: ScheduleRow[]): Promise<LoadedSchedule[]> {
  const overrides = await overridesOf(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((row) => ({ row, schedule: toSchedule(row, overrides.get(row.id) ?? []) }))
}

/** Usernames of some user ids (missing ids are left out). */
export async function usernamesOf(db: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(ids)]
  if (list.length === 0) return new Map()
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', list).execute()
  return new Map(rows.map((r) => [r.id, r.username]))
}

/** Every user id a schedule names (rotation participants and overrides). */
export function userIdsOf(s: Schedule): Set<string> {
  const ids = new Set<string>()
  for (const r of s.rotations) for (const p of r.participants) if (p.type === 'user') ids.add(p.id)
  for (const o of s.overrides) ids.add(o.userId)
  return ids
}

/** A user by id or username (usernames are stored lower-case). */
export function findUser(db: Db, ref: { id?: string; username?: string }) {
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .$if(ref.id !== undefined, (q) => q.where('id', '=', ref.id as string))
    .$if(ref.id === undefined, (q) => q.where('username', '=', normalizeUsername(ref.username ?? '')))
    .executeTakeFirst()
}

/** Usernames of every user some schedules name. */
export function namesFor(db: Db, schedules: Schedule[]): Promise<Map<string, string>> {
  return usernamesOf(
    db,
    schedules.flatMap((s) => [...userIdsOf(s)]),
  )
}
