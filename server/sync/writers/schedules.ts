/** Pushed schedules and overrides, written the way the /v2/schedules routes write them (with audit). */
import type { Schedule } from '../../../core/model/schedule'
import type { OverrideDoc, ScheduleDoc } from '../../../core/sync/documents'
import { recordAudit } from '../../audit/record'
import { checkSchedule } from '../../schedules/convert'
import { overridesOf } from '../../schedules/store'
import { pruneOverrides } from '../../schedules/write'
import { teamConfigRefusal } from '../access'
import { overrideDoc, scheduleDoc } from '../sources/config'
import { overrideKeys, scheduleKeys, stampAuthors } from './authors'
import { missingTeam, missingUsers, plain, refusalOf, seesTeam } from './common'
import type { CollectionWriter } from './writer'

function asSchedule(doc: ScheduleDoc, overrides: Schedule['overrides']): Schedule {
  return {
    id: doc.id,
    name: doc.name,
    description: doc.description,
    timezone: doc.timezone,
    enabled: doc.enabled,
    ownerTeamId: doc.teamId,
    rotations: doc.rotations,
    overrides,
  }
}

export const schedulesWriter: CollectionWriter<ScheduleDoc> = {
  async load(db, id) {
    const row = await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    const [doc] = await stampAuthors(db, [scheduleDoc(row)], scheduleKeys)
    return doc && { doc, visible: seesTeam(row.team_id) }
  },

  async write(db, viewer, { master, next }, origin) {
    for (const team of new Set([master?.teamId, next._deleted ? undefined : next.teamId])) {
      const refused = team && teamConfigRefusal(viewer, team)
      if (refused) return refused
    }
    const entity = {
      type: 'schedule',
      id: next.id,
      name: next._deleted ? (master?.name ?? next.name) : next.name,
    }
    if (next._deleted) {
      if (!master) return undefined
      const before = asSchedule(master, (await overridesOf(plain(db), [master.id])).get(master.id) ?? [])
      await db.deleteFrom('schedules').where('id', '=', master.id).execute()
      await db
        .deleteFrom('calendar_tokens')
        .where('kind', '=', 'schedule')
        .where('subject_id', '=', master.id)
        .execute()
      await recordAudit(plain(db), { ...origin, action: 'delete', entity, before })
      return undefined
    }
    const overrides = master ? ((await overridesOf(plain(db), [master.id])).get(master.id) ?? []) : []
    const schedule = asSchedule(next, overrides)
    // Overrides naming a removed rotation are pruned below, as PATCH does; validate without them.
    const kept = new Set(next.rotations.map((r) => r.id))
    const checkable = {
      ...schedule,
      overrides: overrides.filter((o) => !o.rotationIds || o.rotationIds.every((id) => kept.has(id))),
    }
    const problem =
      refusalOf(() => checkSchedule(checkable)) ??
      (await missingTeam(db, next.teamId)) ??
      (await missingUsers(
        db,
        next.rotations.flatMap((r) => r.participants.flatMap((p) => (p.type === 'user' ? [p.id] : []))),
      ))
    if (problem) return problem
    const clash = await db
      .selectFrom('schedules')
      .select('id')
      .where('name', '=', next.name)
      .where('id', '!=', next.id)
      .executeTakeFirst()
    if (clash) return `Schedule with name [${next.name}] already exists`
    const at = origin.at
    const values = {
      name: next.name,
      team_id: next.teamId,
      description: next.description,
      timezone: next.timezone,
      enabled: next.enabled ? 1 : 0,
      rotations: JSON.stringify(next.rotations),
      updated_at: at,
    }
    if (master) {
      await db.updateTable('schedules').set(values).where('id', '=', next.id).execute()
      await pruneOverrides(plain(db), schedule, kept)
      const before = asSchedule(master, overrides)
      await recordAudit(plain(db), { ...origin, action: 'update', entity, before, after: schedule })
    } else {
      await db
        .insertInto('schedules')
        .values({ id: next.id, created_at: at, ...values })
        .execute()
      await recordAudit(plain(db), { ...origin, action: 'create', entity, after: schedule })
    }
    return undefined
  },
}

export const overridesWriter: CollectionWriter<OverrideDoc> = {
  async load(db, id) {
    const row = await db
      .selectFrom('schedule_overrides')
      .innerJoin('schedules', 'schedules.id', 'schedule_overrides.schedule_id')
      .selectAll('schedule_overrides')
      .select('schedules.team_id')
      .where('schedule_overrides.id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const [doc] = await stampAuthors(db, [overrideDoc(row)], overrideKeys)
    return doc && { doc, visible: seesTeam(row.team_id) }
  },

  async write(db, viewer, { master, next }, origin) {
    const scheduleIds = new Set([master?.scheduleId, next._deleted ? undefined : next.scheduleId])
    const schedules = new Map<string, { team_id: string; name: string; rotations: string }>()
    for (const id of scheduleIds) {
      if (!id) continue
      const s = await db
        .selectFrom('schedules')
        .select(['team_id', 'name', 'rotations'])
        .where('id', '=', id)
        .executeTakeFirst()
      if (!s) return `Schedule ${id} does not exist`
      const refused = teamConfigRefusal(viewer, s.team_id)
      if (refused) return refused
      schedules.set(id, s)
    }
    const entityOf = (doc: OverrideDoc) => ({
      type: 'schedule-override',
      id: doc.id,
      name: `${doc.alias} of ${schedules.get(doc.scheduleId)?.name ?? doc.scheduleId}`,
    })
    if (next._deleted) {
      if (!master) return undefined
      await db.deleteFrom('schedule_overrides').where('id', '=', master.id).execute()
      await recordAudit(plain(db), { ...origin, action: 'delete', entity: entityOf(master), before: master })
      return undefined
    }
    if (next.end <= next.start) return 'end: must be after start'
    const rotations = new Set(
      (JSON.parse(schedules.get(next.scheduleId)?.rotations ?? '[]') as Array<{ id: string }>).map(
        (r) => r.id,
      ),
    )
    const unknown = (next.rotationIds ?? []).filter((id) => !rotations.has(id))
    if (unknown.length) return `rotationIds: unknown rotation ${unknown.join(', ')}`
    const problem = await missingUsers(db, [next.userId])
    if (problem) return problem
    const clash = await db
      .selectFrom('schedule_overrides')
      .select('id')
      .where('schedule_id', '=', next.scheduleId)
      .where('alias', '=', next.alias)
      .where('id', '!=', next.id)
      .executeTakeFirst()
    if (clash) return `Override with alias [${next.alias}] already exists in this schedule`
    const values = {
      schedule_id: next.scheduleId,
      alias: next.alias,
      user_id: next.userId,
      start_at: next.start,
      end_at: next.end,
      rotation_ids: next.rotationIds ? JSON.stringify(next.rotationIds) : null,
    }
    if (master) {
      await db.updateTable('schedule_overrides').set(values).where('id', '=', next.id).execute()
      await recordAudit(plain(db), {
        ...origin,
        action: 'update',
        entity: entityOf(next),
        before: master,
        after: next,
      })
    } else {
      await db
        .insertInto('schedule_overrides')
        .values({ id: next.id, created_at: origin.at, ...values })
        .execute()
      await recordAudit(plain(db), { ...origin, action: 'create', entity: entityOf(next), after: next })
    }
    return undefined
  },
}
