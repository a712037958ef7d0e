import { randomUUID } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { TeamRole } from '../../../core/model/team'
import { normalizeUsername } from '../../../core/model/user'
import { teamEntity, teamMemberAudit } from '../../audit/entities'
import { type AuditOrigin, originOf, recordAudit } from '../../audit/record'
import { requireAccountAdmin, requireTeamManager, requireTeamReader } from '../../auth/authorize'
import type { AppContext } from '../../context'
import type { Database, TeamsTable } from '../../store/schema'
import { deleteTeam } from '../../teams/delete-team'
import { forgetUserSessions, invalid, isUniqueViolation, notFound, teamView } from '../admin/common'
import { ApiError, ok } from '../envelope'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['teams']

const Ref = Type.String({ minLength: 1, maxLength: 200 })
const UserRef = Type.Object(
  { id: Type.Optional(Ref), username: Type.Optional(Ref) },
  { additionalProperties: false, minProperties: 1 },
)
const Member = Type.Object(
  { user: UserRef, role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])) },
  { additionalProperties: false },
)
const Members = Type.Array(Member, { maxItems: 500 })
const TeamName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Description = Type.String({ maxLength: 10_000 })
const OgTeamCreate = Type.Object(
  { name: TeamName, description: Type.Optional(Description), members: Type.Optional(Members) },
  { additionalProperties: false },
)
type OgTeamCreate = Static<typeof OgTeamCreate>
const OgTeamPatch = Type.Partial(OgTeamCreate, { additionalProperties: false, minProperties: 1 })
type OgTeamPatch = Static<typeof OgTeamPatch>
type MemberIn = Static<typeof Member>

const IdParams = Type.Object({ identifier: Ref })
const IdQuery = Type.Object({
  identifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('name')])),
  teamIdentifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('name')])),
})
type Identified = { Params: { identifier: string }; Querystring: Static<typeof IdQuery> }
const MemberParams = Type.Object({ identifier: Ref, user: Ref })
type MemberIdentified = { Params: Static<typeof MemberParams>; Querystring: Static<typeof IdQuery> }

type MemberUser = { id: string; username: string }
type Resolved = { user: MemberUser; role: TeamRole }

const conflict = (name: string) => new ApiError(409, `Team with name [${name}] already exists`)

/** Opsgenie's /v2/teams and their members, under the admin API's rules. */
export function opsgenieTeamRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const pg = () => ctx.store.dialect === 'postgres'

  async function findTeam(
    req: FastifyRequest<{ Params: { identifier: string }; Querystring: Static<typeof IdQuery> }>,
  ) {
    const by = (req.query.identifierType ?? req.query.teamIdentifierType) === 'name' ? 'name' : 'id'
    const row = await db()
      .selectFrom('teams')
      .selectAll()
      .where(by, '=', req.params.identifier)
      .executeTakeFirst()
    if (!row) throw notFound('Team', req.params.identifier)
    return row
  }

  /** The user a member reference or path segment names (id, or username when it has an @). */
  async function findUser(ident: string): Promise<MemberUser | undefined> {
    const q = db().selectFrom('users').select(['id', 'username'])
    return (
      ident.includes('@') ? q.where('username', '=', normalizeUsername(ident)) : q.where('id', '=', ident)
    ).executeTakeFirst()
  }

  /** Resolves member references; 422 naming `members[i].user` for an unknown user or a repeat. */
  async function resolveMembers(list: MemberIn[]): Promise<Resolved[]> {
    const out: Resolved[] = []
    for (const [i, m] of list.entries()) {
      const ident = (m.user.id ?? m.user.username) as string
      const user =
        m.user.id !== undefined ? await findUser(m.user.id) : await findUser(normalizeUsername(ident))
      if (!user) throw invalid(`members[${i}].user`, `user ${ident} does not exist`)
      if (out.some((o) => o.user.id === user.id))
        throw invalid(`members[${i}].user`, `user ${ident} is listed twice`)
      out.push({ user, role: m.role ?? 'user' })
    }
    return out
  }

  async function membersOf(q: Kysely<Database>, teamId: string) {
    return q
      .selectFrom('team_members')
      .innerJoin('users', 'users.id', 'team_members.user_id')
      .select(['users.id', 'users.username', 'team_members.role'])
      .where('team_members.team_id', '=', teamId)
      .orderBy('users.username')
      .$if(pg(), (x) => x.forUpdate())
      .execute()
  }

  /** Adds or re-roles a member with its audit entry; 'same' when nothing changed. */
  async function setMember(
    trx: Kysely<Database>,
    origin: AuditOrigin,
    team: TeamsTable,
    m: Resolved,
    old?: TeamRole,
  ) {
    if (old === m.role) return 'same' as const
    if (old) {
      await trx
        .updateTable('team_members')
        .set({ role: m.role })
        .where('team_id', '=', team.id)
        .where('user_id', '=', m.user.id)
        .execute()
    } else {
      const inserted = await trx
        .insertInto('team_members')
        .values({ team_id: team.id, user_id: m.user.id, role: m.role })
        .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst()
      if (!inserted) throw new ApiError(409, 'The membership changed concurrently; retry')
    }
    const { entity, snapshot } = teamMemberAudit(team, m.user, m.role)
    const before = old ? teamMemberAudit(team, m.user, old).snapshot : null
    await recordAudit(trx, {
      ...origin,
      action: old ? 'update' : 'add-member',
      entity,
      before,
      after: snapshot,
    })
    return old ? ('updated' as const) : ('added' as const)
  }

  async function removeMember(
    trx: Kysely<Database>,
    origin: AuditOrigin,
    team: TeamsTable,
    user: MemberUser,
  ) {
    const row = await trx
      .deleteFrom('team_members')
      .where('team_id', '=', team.id)
      .where('user_id', '=', user.id)
      .returning('role')
      .executeTakeFirst()
    if (!row) return false
    const { entity, snapshot } = teamMemberAudit(team, user, row.role)
    await recordAudit(trx, { ...origin, action: 'remove-member', entity, before: snapshot })
    return true
  }

  const viewOf = async (q: Kysely<Database>, team: TeamsTable) => ({
    id: team.id,
    name: team.name,
    description: team.description,
    members: (await membersOf(q, team.id)).map((m) => ({
      user: { id: m.id, username: m.username },
      role: m.role,
    })),
  })

  app.get('/v2/teams', { schema: { tags, security, summary: 'List teams' } }, async (req, reply) => {
    const p = req.principal
    if (p.kind === 'key') requireTeamReader(p, p.teamId)
    const rows = await db()
      .selectFrom('teams')
      .selectAll()
      .$if(p.kind === 'key', (q) => q.where('id', '=', p.kind === 'key' ? p.teamId : ''))
      .orderBy('name')
      .execute()
    return ok(req, reply, 200, {
      data: rows.map((t) => ({ id: t.id, name: t.name, description: t.description })),
    })
  })

  app.post<{ Body: OgTeamCreate }>(
    '/v2/teams',
    { schema: { tags, security, summary: 'Create a team', body: OgTeamCreate } },
    async (req, reply) => {
      requireAccountAdmin(req.principal)
      const b = req.body
      const members = await resolveMembers(b.members ?? [])
      const now = ctx.clock.now()
      const row: TeamsTable = {
        id: randomUUID(),
        name: b.name.trim(),
        description: b.description ?? '',
        created_at: now,
        updated_at: now,
      }
      const origin = originOf(req, ctx.clock)
      await db()
        .transaction()
        .execute(async (trx) => {
          const inserted = await trx
            .insertInto('teams')
            .values(row)
            .onConflict((oc) => oc.column('name').doNothing())
            .returning('id')
            .executeTakeFirst()
          if (!inserted) throw conflict(row.name)
          await recordAudit(trx, {
            ...origin,
            action: 'create',
            entity: teamEntity(row),
            after: teamView(row),
          })
          for (const m of members) await setMember(trx, origin, row, m)
        })
      for (const m of members) await forgetUserSessions(ctx, m.user.id)
      return ok(req, reply, 201, { result: 'Created', data: { id: row.id, name: row.name } })
    },
  )

  const one = { params: IdParams, querystring: IdQuery, security, tags }

  app.get<Identified>(
    '/v2/teams/:identifier',
    { schema: { ...one, summary: 'Get a team' } },
    async (req, reply) => {
      const team = await findTeam(req)
      requireTeamReader(req.principal, team.id)
      return ok(req, reply, 200, { data: await viewOf(db(), team) })
    },
  )

  app.patch<Identified & { Body: OgTeamPatch }>(
    '/v2/teams/:identifier',
    {
      schema: {
        ...one,
        summary: 'Update a team (members, when given, replace the current ones)',
        body: OgTeamPatch,
      },
    },
    async (req, reply) => {
      const team = await findTeam(req)
      requireTeamManager(req.principal, team.id, 'write')
      const b = req.body
      const members = b.members === undefined ? undefined : await resolveMembers(b.members)
      const origin = originOf(req, ctx.clock)
      const touched = new Set<string>()
      try {
        await db()
          .transaction()
          .execute(async (trx) => {
            const before = await trx
              .selectFrom('teams')
              .selectAll()
              .where('id', '=', team.id)
              .$if(pg(), (q) => q.forUpdate())
              .executeTakeFirst()
            if (!before) throw notFound('Team', req.params.identifier)
            if (b.name !== undefined || b.description !== undefined) {
              const set: Partial<TeamsTable> = { updated_at: ctx.clock.now() }
              if (b.name !== undefined) set.name = b.name.trim()
              if (b.description !== undefined) set.description = b.description
              const row = await trx
                .updateTable('teams')
                .set(set)
                .where('id', '=', team.id)
                .returningAll()
                .executeTakeFirstOrThrow()
              await recordAudit(trx, {
                ...origin,
                action: 'update',
                entity: teamEntity(row),
                before: teamView(before),
                after: teamView(row),
              })
            }
            if (members) {
              const current = await membersOf(trx, team.id)
              for (const c of current) {
                if (members.some((m) => m.user.id === c.id)) continue
                await removeMember(trx, origin, before, c)
                touched.add(c.id)
              }
              for (const m of members) {
                const old = current.find((c) => c.id === m.user.id)?.role
                if ((await setMember(trx, origin, before, m, old)) !== 'same') touched.add(m.user.id)
              }
            }
          })
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(b.name?.trim() ?? team.name)
        throw err
      }
      for (const id of touched) await forgetUserSessions(ctx, id)
      return ok(req, reply, 200, {
        result: 'Updated',
        data: { id: team.id, name: b.name?.trim() ?? team.name },
      })
    },
  )

  app.delete<Identified>(
    '/v2/teams/:identifier',
    { schema: { ...one, summary: 'Delete a team' } },
    async (req, reply) => {
      requireAccountAdmin(req.principal)
      const team = await findTeam(req)
      await deleteTeam(ctx, team, originOf(req, ctx.clock))
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.post<Identified & { Body: MemberIn }>(
    '/v2/teams/:identifier/members',
    { schema: { ...one, summary: 'Add a team member or change their team role', body: Member } },
    async (req, reply) => {
      const team = await findTeam(req)
      requireTeamManager(req.principal, team.id, 'write')
      const ident = (req.body.user.id ?? req.body.user.username) as string
      const user = await findUser(ident)
      if (!user) throw invalid('user', `user ${ident} does not exist`)
      const role = req.body.role ?? 'user'
      const origin = originOf(req, ctx.clock)
      const outcome = await db()
        .transaction()
        .execute(async (trx) => {
          const old = await trx
            .selectFrom('team_members')
            .select('role')
            .where('team_id', '=', team.id)
            .where('user_id', '=', user.id)
            .$if(pg(), (q) => q.forUpdate())
            .executeTakeFirst()
          return setMember(trx, origin, team, { user, role }, old?.role)
        })
      await forgetUserSessions(ctx, user.id)
      const data = { user: { id: user.id, username: user.username }, role }
      if (outcome === 'added') return ok(req, reply, 201, { result: 'Added', data })
      return ok(req, reply, 200, { result: outcome === 'updated' ? 'Updated' : 'Unchanged', data })
    },
  )

  app.delete<MemberIdentified>(
    '/v2/teams/:identifier/members/:user',
    {
      schema: { params: MemberParams, querystring: IdQuery, security, tags, summary: 'Remove a team member' },
    },
    async (req, reply) => {
      const team = await findTeam(req)
      requireTeamManager(req.principal, team.id, 'delete')
      const user = await findUser(req.params.user)
      if (!user) throw notFound('User', req.params.user)
      const origin = originOf(req, ctx.clock)
      const removed = await db()
        .transaction()
        .execute((trx) => removeMember(trx, origin, team, user))
      if (!removed) throw notFound('Team member', req.params.user)
      await forgetUserSessions(ctx, user.id)
      return ok(req, reply, 200, { result: 'Removed' })
    },
  )
}
