/** Changes to a schedule, made in the writer's transaction together with their audit entry. */
import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Rotation, Schedule } from '../../core/model/schedule'
import { type AuditOrigin, originOf } from '../audit/record'
import type { Access } from '../auth/authorize'
import type { AppContext } from '../context'
import type { Database } from '../store/schema'
import { requireScheduleChange, scheduleNotFound, visibleSchedule } from './access'
import { checkSchedule } from './convert'
import { type LoadedSchedule, loadSchedule } from './store'

/** What a change job receives: the transaction, the schedule as it is in it, and the audit origin. */
export interface ChangeContext {
  trx: Kysely<Database>
  loaded: LoadedSchedule
  origin: AuditOrigin
}

/**
 * Runs `job` on the schedule the request names, after checking the principal may change it, inside one
 * transaction (the job reloads nothing: `loaded` was read in that transaction).
 */
export async function changeSchedule<T>(
  ctx: AppContext,
  req: FastifyRequest,
  identifier: string,
  type: 'id' | 'name',
  access: Access,
  job: (c: ChangeContext) => Promise<T>,
): Promise<T> {
  const p = req.principal
  const current = await visibleSchedule(ctx.store.db, p, identifier, type)
  requireScheduleChange(p, current.row.team_id, access)
  return ctx.writer.submit(async (trx) => {
    const loaded = await loadSchedule(trx, current.row.id, 'id')
    if (!loaded) throw scheduleNotFound(identifier)
    return job({ trx, loaded, origin: originOf(req, ctx.clock) })
  })
}

/** Validates a schedule's new rotations (with its overrides) and stores them. */
export async function saveRotations(
  trx: Kysely<Database>,
  schedule: Schedule,
  rotations: Rotation[],
  now: number,
): Promise<Schedule> {
  const next: Schedule = { ...schedule, rotations }
  checkSchedule(next)
  await trx
    .updateTable('schedules')
    .set({ rotations: JSON.stringify(rotations), updated_at: now })
    .where('id', '=', schedule.id)
    .execute()
  return next
}

/**
 * After rotations were removed: overrides keep only the rotations that still exist, and an override left
 * with none is deleted (one naming no rotations would otherwise cover all of them).
 */
export async function pruneOverrides(
  trx: Kysely<Database>,
  schedule: Schedule,
  keptIds: ReadonlySet<string>,
): Promise<Schedule> {
  const overrides = []
  for (const o of schedule.overrides) {
    if (o.rotationIds === undefined || o.rotationIds.every((id) => keptIds.has(id))) {
      overrides.push(o)
      continue
    }
    const rotationIds = o.rotationIds.filter((id) => keptIds.has(id))
    if (rotationIds.length === 0) {
      await trx
        .deleteFrom('schedule_overrides')
        .where('schedule_id', '=', schedule.id)
        .where('alias', '=', o.id)
        .execute()
      continue
    }
    await trx
      .updateTable('schedule_overrides')
      .set({ rotation_ids: JSON.stringify(rotationIds) })
      .where('schedule_id', '=', schedule.id)
      .where('alias', '=', o.id)
      .execute()
    overrides.push({ ...o, rotationIds })
  }
  return { ...schedule, overrides }
}
