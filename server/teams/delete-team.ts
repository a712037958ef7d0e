import { forgetUserSessions, isForeignKeyViolation, notFound, teamView } from '../api/admin/common'
import { ApiError } from '../api/envelope'
import { teamEntity } from '../audit/entities'
import { type AuditOrigin, recordAudit } from '../audit/record'
import type { AppContext } from '../context'
import type { TeamsTable } from '../store/schema'

/**
 * Deletes a team with its memberships and integrations (ON DELETE CASCADE), refused with 409 while alerts
 * or configuration still use it. One audit entry names everything that went with it; afterwards the
 * integrations' keys and the members' cached sessions are evicted so their rights change at once.
 * Shared by /api/v1/teams and Opsgenie's /v2/teams.
 */
export async function deleteTeam(ctx: AppContext, team: TeamsTable, origin: AuditOrigin): Promise<void> {
  const db = ctx.store.db
  const inUse = () =>
    new ApiError(409, `Team ${team.name} still has alerts or configuration using it; it cannot be deleted`)
  const alert = await db
    .selectFrom('alerts')
    .select('id')
    .where('team_id', '=', team.id)
    .limit(1)
    .executeTakeFirst()
  if (alert) throw inUse()
  const integrations = await db
    .selectFrom('integrations')
    .select(['id', 'name', 'type'])
    .where('team_id', '=', team.id)
    .execute()
  const members = await db
    .selectFrom('team_members')
    .innerJoin('users', 'users.id', 'team_members.user_id')
    .select(['users.id as userId', 'users.username', 'team_members.role'])
    .where('team_members.team_id', '=', team.id)
    .orderBy('users.username')
    .execute()
  try {
    await db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('teams').where('id', '=', team.id).returningAll().executeTakeFirst()
      if (!row) throw notFound('Team', team.id)
      const before = { ...teamView(row), members, integrations }
      await recordAudit(trx, { ...origin, action: 'delete', entity: teamEntity(row), before })
    })
  } catch (err) {
    if (isForeignKeyViolation(err)) throw inUse()
    throw err
  }
  for (const i of integrations) ctx.auth.forgetIntegration(i.id)
  for (const m of members) await forgetUserSessions(ctx, m.userId)
}
