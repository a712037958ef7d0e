import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import {
  MemberAdd,
  MemberPut,
  Team,
  TeamCreate,
  TeamIdentifierQuery,
  TeamMember,
  TeamPatch,
  type TeamRole,
} from '../../../core/model/team'
import { normalizeUsername } from '../../../core/model/user'
import { teamEntity, teamMemberAudit } from '../../audit/entities'
import { type AuditOrigin, originOf, recordAudit } from '../../audit/record'
import { requireAccountAdmin, requireTeamManager, requireTeamReader } from '../../auth/authorize'
import type { AppContext } from '../../context'
import { updateLocked } from '../../store/locked-update'
import type { TeamsTable } from '../../store/schema'
import { deleteTeam } from '../../teams/delete-team'
import { ApiError, ok } from '../envelope'
import {
  envelope,
  forgetUserSessions,
  IdParams,
  invalid,
  isUniqueViolation,
  notFound,
  ResultOnly,
  SECURITY,
  teamView,
  userRef,
} from './common'

const security = SECURITY
const tags = ['Teams']
type MemberUser = { id: string; username: string }

/** The entity and snapshots of a team before and after a change (null: did not exist). */
function teamChange(before: TeamsTable | null, after: TeamsTable) {
  return { entity: teamEntity(after), before: before && teamView(before), after: teamView(after) }
}

const MemberParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  userId: Type.String({ minLength: 1, maxLength: 200 }),
})

/** /api/v1/teams and their members: account admins manage teams, team admins their team's members. */
export function teamRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  async function findTeam(id: string, by: 'id' | 'name' = 'id'): Promise<TeamsTable> {
    const row = await db().selectFrom('teams').selectAll().where(by, '=', id).executeTakeFirst()
    if (!row) throw notFound('Team', id)
    return row
  }

  async function findUserId(idOrUsername: string, field = 'user'): Promise<MemberUser> {
    const q = db().selectFrom('users').select(['id', 'username'])
    const row = await (idOrUsername.includes('@')
      ? q.where('username', '=', normalizeUsername(idOrUsername))
      : q.where('id', '=', idOrUsername)
    ).executeTakeFirst()
    if (!row)
      throw field === 'user' ? invalid('user', `no user ${idOrUsername}`) : notFound('User', idOrUsername)
    return row
  }

  async function members(teamId: string): Promise<TeamMember[]> {
    const rows = await db()
      .selectFrom('team_members')
      .innerJoin('users', 'users.id', 'team_members.user_id')
      .select([
        'users.id',
        'users.username',
        'users.full_name',
        'users.role as user_role',
        'team_members.role',
      ])
      .where('team_members.team_id', '=', teamId)
      .orderBy('users.username')
      .execute()
    return rows.map((r) => ({
      user: userRef({ id: r.id, username: r.username, full_name: r.full_name, role: r.user_role }),
      role: r.role,
    }))
  }

  /**
   * Adds the user to the team or changes their role there, with its audit entry in the same transaction
   * (none when the role already was that); true when the membership is new.
   */
  async function upsertMember(origin: AuditOrigin, team: TeamsTable, user: MemberUser, role: TeamRole) {
    const added = await db()
      .transaction()
      .execute(async (trx) => {
        const old = await trx
          .selectFrom('team_members')
          .select('role')
          .where('team_id', '=', team.id)
          .where('user_id', '=', user.id)
          .$if(ctx.store.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst()
        if (old?.role === role) return false
        if (old) {
          const q = trx.updateTable('team_members').set({ role }).where('team_id', '=', team.id)
          await q.where('user_id', '=', user.id).execute()
        } else {
          const inserted = await trx
            .insertInto('team_members')
            .values({ team_id: team.id, user_id: user.id, role })
            .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
            .returning('user_id')
            .executeTakeFirst()
          // Only a concurrent add of the same member gets here (PostgreSQL locks no absent row); say so.
          if (!inserted) throw new ApiError(409, 'The membership changed concurrently; retry')
        }
        const { entity, snapshot } = teamMemberAudit(team, user, role)
        const before = old ? teamMemberAudit(team, user, old.role).snapshot : null
        const action = old ? 'update' : 'add-member'
        await recordAudit(trx, { ...origin, action, entity, before, after: snapshot })
        return !old
      })
    await forgetUserSessions(ctx, user.id)
    return added
  }

  async function memberView(teamId: string, userId: string): Promise<TeamMember | undefined> {
    return (await members(teamId)).find((m) => m.user.id === userId)
  }

  app.post(
    '/teams',
    {
      schema: {
        tags,
        security,
        summary: 'Create a team',
        body: TeamCreate,
        response: { 201: envelope(Team) },
      },
    },
    async (req, reply) => {
      requireAccountAdmin(req.principal)
      const body = req.body as TeamCreate
      const now = ctx.clock.now()
      const row: TeamsTable = {
        id: randomUUID(),
        name: body.name.trim(),
        description: body.description ?? '',
        created_at: now,
        updated_at: now,
      }
      await db()
        .transaction()
        .execute(async (trx) => {
          const inserted = await trx
            .insertInto('teams')
            .values(row)
            .onConflict((oc) => oc.column('name').doNothing())
            .returning('id')
            .executeTakeFirst()
          if (!inserted) throw new ApiError(409, `A team named ${row.name} already exists`)
          await recordAudit(trx, { ...originOf(req, ctx.clock), action: 'create', ...teamChange(null, row) })
        })
      return ok(req, reply, 201, { result: 'Created', data: teamView(row) })
    },
  )

  app.get(
    '/teams',
    { schema: { tags, security, summary: 'List teams', response: { 200: envelope(Type.Array(Team)) } } },
    async (req, reply) => {
      const p = req.principal
      let q = db().selectFrom('teams').selectAll().orderBy('name')
      if (p.kind === 'key') {
        requireTeamReader(p, p.teamId)
        q = q.where('id', '=', p.teamId)
      }
      return ok(req, reply, 200, { data: (await q.execute()).map(teamView) })
    },
  )

  app.get(
    '/teams/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a team (identifierType=id|name)',
        params: IdParams,
        querystring: TeamIdentifierQuery,
        response: { 200: envelope(Type.Object({ ...Team.properties, members: Type.Array(TeamMember) })) },
      },
    },
    async (req, reply) => {
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam((req.params as { id: string }).id, identifierType)
      requireTeamReader(req.principal, team.id)
      return ok(req, reply, 200, { data: { ...teamView(team), members: await members(team.id) } })
    },
  )

  app.patch(
    '/teams/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Update a team',
        params: IdParams,
        querystring: TeamIdentifierQuery,
        body: TeamPatch,
        response: { 200: envelope(Team) },
      },
    },
    async (req, reply) => {
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam((req.params as { id: string }).id, identifierType)
      requireTeamManager(req.principal, team.id, 'write')
      const body = req.body as TeamPatch
      const set: Partial<TeamsTable> = { updated_at: ctx.clock.now() }
      if (body.name !== undefined) set.name = body.name.trim()
      if (body.description !== undefined) set.description = body.description
      const origin = originOf(req, ctx.clock)
      try {
        await db()
          .transaction()
          .execute(async (trx) => {
            const changed = await updateLocked(trx, ctx.store.dialect, 'teams', team.id, set)
            if (!changed) throw notFound('Team', team.id)
            const { before, after: row } = changed
            await recordAudit(trx, { ...origin, action: 'update', ...teamChange(before, row) })
          })
      } catch (err) {
        if (isUniqueViolation(err)) throw new ApiError(409, `A team named ${set.name} already exists`)
        throw err
      }
      return ok(req, reply, 200, { result: 'Updated', data: teamView(await findTeam(team.id)) })
    },
  )

  app.delete(
    '/teams/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a team with its integrations (refused while it has alerts)',
        params: IdParams,
        querystring: TeamIdentifierQuery,
        response: { 200: ResultOnly },
      },
    },
    async (req, reply) => {
      requireAccountAdmin(req.principal)
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam((req.params as { id: string }).id, identifierType)
      await deleteTeam(ctx, team, originOf(req, ctx.clock))
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.get(
    '/teams/:id/members',
    {
      schema: {
        tags,
        security,
        summary: "List a team's members",
        params: IdParams,
        querystring: TeamIdentifierQuery,
        response: { 200: envelope(Type.Array(TeamMember)) },
      },
    },
    async (req, reply) => {
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam((req.params as { id: string }).id, identifierType)
      requireTeamReader(req.principal, team.id)
      return ok(req, reply, 200, { data: await members(team.id) })
    },
  )

  app.post(
    '/teams/:id/members',
    {
      schema: {
        tags,
        security,
        summary: 'Add a member (user by id or username) or change their team role',
        params: IdParams,
        querystring: TeamIdentifierQuery,
        body: MemberAdd,
        response: { 200: envelope(TeamMember), 201: envelope(TeamMember) },
      },
    },
    async (req, reply) => {
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam((req.params as { id: string }).id, identifierType)
      requireTeamManager(req.principal, team.id, 'write')
      const body = req.body as MemberAdd
      const ident = body.user.id ?? body.user.username
      if (!ident) throw invalid('user', 'must have an id or a username')
      const user = await findUserId(ident)
      const added = await upsertMember(originOf(req, ctx.clock), team, user, body.role ?? 'user')
      const data = await memberView(team.id, user.id)
      return ok(req, reply, added ? 201 : 200, { result: added ? 'Added' : 'Updated', data })
    },
  )

  app.put(
    '/teams/:id/members/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Add a member or set their team role (user by id or username)',
        params: MemberParams,
        querystring: TeamIdentifierQuery,
        body: MemberPut,
        response: { 200: envelope(TeamMember), 201: envelope(TeamMember) },
      },
    },
    async (req, reply) => {
      const params = req.params as { id: string; userId: string }
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam(params.id, identifierType)
      requireTeamManager(req.principal, team.id, 'write')
      const user = await findUserId(params.userId, 'path')
      const added = await upsertMember(originOf(req, ctx.clock), team, user, (req.body as MemberPut).role)
      const data = await memberView(team.id, user.id)
      return ok(req, reply, added ? 201 : 200, { result: added ? 'Added' : 'Updated', data })
    },
  )

  app.delete(
    '/teams/:id/members/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a member from a team',
        params: MemberParams,
        querystring: TeamIdentifierQuery,
        response: { 200: ResultOnly },
      },
    },
    async (req, reply) => {
      const params = req.params as { id: string; userId: string }
      const { identifierType } = req.query as TeamIdentifierQuery
      const team = await findTeam(params.id, identifierType)
      requireTeamManager(req.principal, team.id, 'delete')
      const user = await findUserId(params.userId, 'path')
      const origin = originOf(req, ctx.clock)
      await db()
        .transaction()
        .execute(async (trx) => {
          const row = await trx
            .deleteFrom('team_members')
            .where('team_id', '=', team.id)
            .where('user_id', '=', user.id)
            .returning('role')
            .executeTakeFirst()
          if (!row) throw notFound('Team member', params.userId)
          const { entity, snapshot } = teamMemberAudit(team, user, row.role)
          await recordAudit(trx, { ...origin, action: 'remove-member', entity, before: snapshot })
        })
      await forgetUserSessions(ctx, user.id)
      return ok(req, reply, 200, { result: 'Removed' })
    },
  )
}
