import { randomUUID } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { isValidTimeZone, normalizeUsername, type Role } from '../../../core/model/user'
import { userEntity } from '../../audit/entities'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden, requireAccountAdmin, requireKeyAccess, requireUser } from '../../auth/authorize'
import type { Principal } from '../../auth/principal'
import { liveSessionIds } from '../../auth/sessions'
import type { AppContext } from '../../context'
import { seedUserDefaults } from '../../notification-rules/rules'
import { updateLocked } from '../../store/locked-update'
import type { Database, UsersTable } from '../../store/schema'
import { baseUrl, forgetUserSessions, invalid, iso, notFound } from '../admin/common'
import { checkPatchAllowed, guardOwners } from '../admin/users'
import { ApiError, ok } from '../envelope'

const security: Array<Record<string, string[]>> = [{ GenieKey: [] }, { Session: [] }]
const tags = ['users']

/** Opsgenie's role names and Vigil's account roles; Stakeholder (and the legacy Observer) read only. */
const ROLE_NAMES: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  user: 'User',
  observer: 'Stakeholder',
}
const ROLE_OF: Record<string, Role> = {
  owner: 'owner',
  admin: 'admin',
  user: 'user',
  'default user': 'user',
  stakeholder: 'observer',
  observer: 'observer',
}

const RoleRef = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
// Fields Opsgenie clients send that Vigil accepts and does not keep.
const ignored = {
  skypeUsername: Type.Optional(Type.String({ maxLength: 100 })),
  locale: Type.Optional(Type.String({ maxLength: 20 })),
  userAddress: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  invitationDisabled: Type.Optional(Type.Boolean()),
}
const FullName = Type.String({ minLength: 1, maxLength: 512, pattern: '\\S' })
const TimeZone = Type.String({ minLength: 1, maxLength: 64 })

const OgUserCreate = Type.Object(
  {
    username: Type.String({ minLength: 3, maxLength: 100, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    fullName: FullName,
    role: RoleRef,
    timeZone: Type.Optional(TimeZone),
    ...ignored,
  },
  { additionalProperties: false },
)
type OgUserCreate = Static<typeof OgUserCreate>
const OgUserPatch = Type.Object(
  {
    fullName: Type.Optional(FullName),
    role: Type.Optional(RoleRef),
    timeZone: Type.Optional(TimeZone),
    ...ignored,
  },
  { additionalProperties: false, minProperties: 1 },
)
type OgUserPatch = Static<typeof OgUserPatch>

const SORT_COLUMNS = {
  username: 'username',
  fullName: 'full_name',
  insertedAt: 'created_at',
  createdAt: 'created_at',
} as const
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  sort: Type.Optional(Type.Union(Object.keys(SORT_COLUMNS).map((k) => Type.Literal(k)))),
  sortField: Type.Optional(Type.Union(Object.keys(SORT_COLUMNS).map((k) => Type.Literal(k)))),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  query: Type.Optional(Type.String({ maxLength: 200 })),
})
type ListQuery = Static<typeof ListQuery>

const IdParams = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 200 }) })
type Identified = { Params: { identifier: string } }

/** The user as Opsgenie shows it. */
export function opsgenieUserView(row: UsersTable) {
  const name = ROLE_NAMES[row.role]
  return {
    id: row.id,
    username: row.username,
    fullName: row.full_name,
    role: { id: name, name },
    timeZone: row.time_zone,
    locale: 'en_US',
    blocked: row.blocked === 1,
    verified: true,
    createdAt: iso(row.created_at),
  }
}

/** The account role an Opsgenie `role {id|name}` names, or 422. */
function roleOf(ref: { id?: string; name?: string }): Role {
  const role = ROLE_OF[(ref.name ?? ref.id ?? '').trim().toLowerCase()]
  if (!role) throw invalid('role', 'must be Owner, Admin, User or Stakeholder')
  return role
}

function checkTimeZone(zone: string | undefined): void {
  if (zone !== undefined && !isValidTimeZone(zone)) {
    throw invalid('timeZone', 'must be an IANA time zone such as Europe/Berlin')
  }
}

/** A user by id, or by username when the identifier looks like an e-mail address; 404 otherwise. */
export async function findUser(db: Kysely<Database>, identifier: string): Promise<UsersTable> {
  const q = db.selectFrom('users').selectAll()
  const row = await (identifier.includes('@')
    ? q.where('username', '=', normalizeUsername(identifier))
    : q.where('id', '=', identifier)
  ).executeTakeFirst()
  if (!row) throw notFound('User', identifier)
  return row
}

/** Reading users: every signed-in user; keys with configuration and read access. */
export function requireUserRead(p: Principal): void {
  if (p.kind === 'key') requireKeyAccess(p, 'read')
}

/** Opsgenie's /v2/users: the account's users, under the admin API's rules (owners and admins manage). */
export function opsgenieUserRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const one = { params: IdParams, security, tags }

  app.get<{ Querystring: ListQuery }>(
    '/v2/users',
    { schema: { tags, security, summary: 'List users', querystring: ListQuery } },
    async (req, reply) => {
      requireUserRead(req.principal)
      const q = req.query
      const limit = q.limit ?? 100
      const offset = q.offset ?? 0
      let base = db().selectFrom('users')
      const text = q.query?.replace(/^\s*username\s*:\s*/i, '').trim()
      if (text) {
        const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        base = base.where((eb) => eb(eb.fn('lower', ['username']), 'like', like))
      }
      const column = SORT_COLUMNS[(q.sort ?? q.sortField ?? 'username') as keyof typeof SORT_COLUMNS]
      const [rows, count] = await Promise.all([
        base
          .selectAll()
          .orderBy(column, q.order ?? 'asc')
          .orderBy('id')
          .limit(limit)
          .offset(offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ])
      const total = Number(count.n)
      const page = (at: number) => {
        const u = new URL(`${baseUrl(req)}/v2/users`)
        for (const [k, v] of Object.entries(q)) if (v !== undefined) u.searchParams.set(k, String(v))
        u.searchParams.set('limit', String(limit))
        u.searchParams.set('offset', String(at))
        return u.toString()
      }
      const paging: Record<string, string> = { first: page(0) }
      if (offset + limit < total) paging.next = page(offset + limit)
      if (offset > 0) paging.prev = page(Math.max(0, offset - limit))
      paging.last = page(total === 0 ? 0 : Math.floor((total - 1) / limit) * limit)
      return ok(req, reply, 200, { data: rows.map(opsgenieUserView), paging, totalCount: total })
    },
  )

  app.post<{ Body: OgUserCreate }>(
    '/v2/users',
    { schema: { tags, security, summary: 'Create a user', body: OgUserCreate } },
    async (req, reply) => {
      const me = requireAccountAdmin(req.principal)
      const b = req.body
      const role = roleOf(b.role)
      if (role === 'owner' && me.role !== 'owner') throw forbidden('Only an owner can grant the owner role')
      checkTimeZone(b.timeZone)
      const now = ctx.clock.now()
      const row: UsersTable = {
        id: randomUUID(),
        username: normalizeUsername(b.username),
        full_name: b.fullName.trim(),
        role,
        password_hash: null,
        time_zone: b.timeZone ?? 'UTC',
        blocked: 0,
        created_at: now,
        updated_at: now,
      }
      const origin = originOf(req, ctx.clock)
      await db()
        .transaction()
        .execute(async (trx) => {
          const inserted = await trx
            .insertInto('users')
            .values(row)
            .onConflict((oc) => oc.column('username').doNothing())
            .returning('id')
            .executeTakeFirst()
          if (!inserted) throw new ApiError(409, `User with username [${row.username}] already exists`)
          await recordAudit(trx, {
            ...origin,
            action: 'create',
            entity: userEntity(row),
            after: opsgenieUserView(row),
          })
          await seedUserDefaults(trx, origin, row)
        })
      return ok(req, reply, 201, { result: 'Created', data: { id: row.id, username: row.username } })
    },
  )

  app.get<Identified>(
    '/v2/users/:identifier',
    { schema: { ...one, summary: 'Get a user' } },
    async (req, reply) => {
      requireUserRead(req.principal)
      const row = await findUser(db(), req.params.identifier)
      return ok(req, reply, 200, { data: opsgenieUserView(row) })
    },
  )

  app.patch<Identified & { Body: OgUserPatch }>(
    '/v2/users/:identifier',
    { schema: { ...one, summary: 'Update a user', body: OgUserPatch } },
    async (req, reply) => {
      const me = requireUser(req.principal, 'Integration keys cannot change users')
      const b = req.body
      const target = await findUser(db(), req.params.identifier)
      const role = b.role === undefined ? undefined : roleOf(b.role)
      const self = target.id === me.userId
      checkPatchAllowed(me, target, { fullName: b.fullName, role, timeZone: b.timeZone }, self)
      checkTimeZone(b.timeZone)
      const set: Partial<UsersTable> = { updated_at: ctx.clock.now() }
      if (b.fullName !== undefined) set.full_name = b.fullName.trim()
      if (role !== undefined) set.role = role
      if (b.timeZone !== undefined) set.time_zone = b.timeZone
      const update = async (trx: Kysely<Database>) => {
        const changed = await updateLocked(trx, ctx.store.dialect, 'users', target.id, set)
        if (!changed) throw notFound('User', target.id)
        const { before, after: row } = changed
        await recordAudit(trx, {
          ...originOf(req, ctx.clock),
          action: 'update',
          entity: userEntity(row),
          before: opsgenieUserView(before),
          after: opsgenieUserView(row),
        })
      }
      if (target.role === 'owner' && role !== undefined && role !== 'owner') await guardOwners(ctx, update)
      else await db().transaction().execute(update)
      if (role !== undefined) await forgetUserSessions(ctx, target.id)
      return ok(req, reply, 200, { result: 'Updated', data: { id: target.id, username: target.username } })
    },
  )

  app.delete<Identified>(
    '/v2/users/:identifier',
    { schema: { ...one, summary: 'Delete a user' } },
    async (req, reply) => {
      const me = requireAccountAdmin(req.principal)
      const target = await findUser(db(), req.params.identifier)
      if (target.role === 'owner' && me.role !== 'owner') throw forbidden('Only an owner can delete an owner')
      const sessions = await liveSessionIds(ctx, target.id)
      const remove = async (trx: Kysely<Database>) => {
        const row = await trx
          .deleteFrom('users')
          .where('id', '=', target.id)
          .returningAll()
          .executeTakeFirst()
        if (!row) throw notFound('User', target.id)
        await recordAudit(trx, {
          ...originOf(req, ctx.clock),
          action: 'delete',
          entity: userEntity(row),
          before: opsgenieUserView(row),
        })
      }
      if (target.role === 'owner') await guardOwners(ctx, remove)
      else await db().transaction().execute(remove)
      for (const id of sessions) ctx.auth.forgetSession(id)
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )
}

/** Used by the contact and notification-rule routes: the user named in the path, if the caller may manage them. */
export async function managedUser(
  ctx: AppContext,
  req: FastifyRequest<{ Params: { identifier: string } }>,
  access: 'read' | 'write',
): Promise<UsersTable> {
  const p = req.principal
  if (p.kind === 'key') throw forbidden('Integration keys cannot manage contacts or notification rules')
  const target = await findUser(ctx.store.db, req.params.identifier)
  const admin = p.role === 'owner' || p.role === 'admin'
  if (target.id !== p.userId && !admin)
    throw forbidden("Only admins may manage another user's contacts and rules")
  if (access === 'write' && target.id !== p.userId && target.role === 'owner' && p.role !== 'owner') {
    throw forbidden("Only an owner can change an owner's contacts and rules")
  }
  return target
}
