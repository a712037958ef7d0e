import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import {
  isValidTimeZone,
  normalizeUsername,
  type Role,
  User,
  UserCreate,
  UserListQuery,
  UserPatch,
} from '../../../core/model/user'
import { userEntity as entity } from '../../audit/entities'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden, requireAccountAdmin, requireUser } from '../../auth/authorize'
import { hashPassword, verifyPassword } from '../../auth/passwords'
import type { UserPrincipal } from '../../auth/principal'
import { liveSessionIds, revokeUserSessions } from '../../auth/sessions'
import type { AppContext } from '../../context'
import { seedUserDefaults } from '../../notification-rules/rules'
import { updateLocked } from '../../store/locked-update'
import type { Database, UsersTable } from '../../store/schema'
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
  userView,
} from './common'

const security = SECURITY
const tags = ['Users']
const LAST_OWNER = 'The last owner cannot be deleted, demoted or blocked; make another user an owner first'

/** /api/v1/users: account administration (owners and admins), self-service profile edits for everyone. */
export function userRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  /** A user by id, or by username when the identifier looks like an e-mail address (Opsgenie accepts both). */
  async function findUser(idOrUsername: string): Promise<UsersTable> {
    const q = db().selectFrom('users').selectAll()
    const row = await (idOrUsername.includes('@')
      ? q.where('username', '=', normalizeUsername(idOrUsername))
      : q.where('id', '=', idOrUsername)
    ).executeTakeFirst()
    if (!row) throw notFound('User', idOrUsername)
    return row
  }

  app.post(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'Create a user',
        body: UserCreate,
        response: { 201: envelope(User) },
      },
    },
    async (req, reply) => {
      const me = requireAccountAdmin(req.principal)
      const body = req.body as UserCreate
      if (body.role === 'owner' && me.role !== 'owner')
        throw forbidden('Only an owner can grant the owner role')
      if (body.timeZone !== undefined && !isValidTimeZone(body.timeZone)) {
        throw invalid('timeZone', 'must be an IANA time zone such as Europe/Berlin')
      }
      const now = ctx.clock.now()
      const row: UsersTable = {
        id: randomUUID(),
        username: normalizeUsername(body.username),
        full_name: body.fullName.trim(),
        role: body.role,
        password_hash: body.password === undefined ? null : await hashPassword(body.password),
        time_zone: body.timeZone ?? 'UTC',
        blocked: body.blocked ? 1 : 0,
        created_at: now,
        updated_at: now,
      }
      await db()
        .transaction()
        .execute(async (trx) => {
          const inserted = await trx
            .insertInto('users')
            .values(row)
            .onConflict((oc) => oc.column('username').doNothing())
            .returning('id')
            .executeTakeFirst()
          if (!inserted) throw new ApiError(409, `A user with username ${row.username} already exists`)
          // The view, not the row: it says hasPassword and never carries the hash.
          const after = userView(row)
          const origin = originOf(req, ctx.clock)
          await recordAudit(trx, {
            ...origin,
            action: 'create',
            entity: entity(row),
            after,
          })
          // The same default contact and notification rules as users made through /v2/users.
          await seedUserDefaults(trx, origin, row)
        })
      return ok(req, reply, 201, { result: 'Created', data: userView(row) })
    },
  )

  app.get(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'List users',
        querystring: UserListQuery,
        response: { 200: envelope(Type.Array(User), { totalCount: Type.Integer() }) },
      },
    },
    async (req, reply) => {
      requireUser(req.principal, 'Integration keys cannot list users')
      const q = req.query as UserListQuery
      let base = db().selectFrom('users')
      if (q.query) {
        const like = `%${q.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        base = base.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['username']), 'like', like),
            eb(eb.fn('lower', ['full_name']), 'like', like),
          ]),
        )
      }
      const [rows, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('username')
          .limit(q.limit ?? 100)
          .offset(q.offset ?? 0)
          .execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ])
      return ok(req, reply, 200, { data: rows.map(userView), totalCount: Number(count.n) })
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a user by id or username',
        params: IdParams,
        response: { 200: envelope(User) },
      },
    },
    async (req, reply) => {
      requireUser(req.principal, 'Integration keys cannot read users')
      const row = await findUser((req.params as { id: string }).id)
      return ok(req, reply, 200, { data: userView(row) })
    },
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Update a user (admins: any field; users: their own name, time zone and password)',
        params: IdParams,
        body: UserPatch,
        response: { 200: envelope(User) },
      },
    },
    async (req, reply) => {
      const me = requireUser(req.principal)
      const body = req.body as UserPatch
      const target = await findUser((req.params as { id: string }).id)
      const self = target.id === me.userId
      checkPatchAllowed(me, target, body, self)
      if (body.timeZone !== undefined && !isValidTimeZone(body.timeZone)) {
        throw invalid('timeZone', 'must be an IANA time zone such as Europe/Berlin')
      }
      if (body.password !== undefined && self) {
        // Changing one's own password proves knowledge of the old one: a stolen session is not enough.
        const current = body.currentPassword ?? ''
        if (!target.password_hash || !(await verifyPassword(target.password_hash, current))) {
          throw invalid('currentPassword', 'is required and must be your current password')
        }
      }
      const set: Partial<UsersTable> = { updated_at: ctx.clock.now() }
      if (body.username !== undefined) set.username = normalizeUsername(body.username)
      if (body.fullName !== undefined) set.full_name = body.fullName.trim()
      if (body.role !== undefined) set.role = body.role
      if (body.timeZone !== undefined) set.time_zone = body.timeZone
      if (body.blocked !== undefined) set.blocked = body.blocked ? 1 : 0
      if (body.password !== undefined) set.password_hash = await hashPassword(body.password)

      const losesOwner =
        target.role === 'owner' && ((set.role !== undefined && set.role !== 'owner') || set.blocked === 1)
      const update = async (trx: Kysely<Database>) => {
        const changed = await updateLocked(trx, ctx.store.dialect, 'users', target.id, set)
        if (!changed) throw notFound('User', target.id)
        const { before, after: row } = changed
        // A new password changes nothing else the view shows: say that it changed, never what it is.
        const after =
          set.password_hash === undefined ? userView(row) : { ...userView(row), passwordChanged: true }
        const origin = originOf(req, ctx.clock)
        await recordAudit(trx, {
          ...origin,
          action: 'update',
          entity: entity(row),
          before: userView(before),
          after,
        })
      }
      try {
        if (losesOwner) await guardOwners(ctx, update)
        else await db().transaction().execute(update)
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ApiError(409, `A user with username ${set.username} already exists`)
        throw err
      }

      if (set.blocked === 1 || set.password_hash !== undefined) {
        // Blocking logs the user out everywhere; a new password ends every session but the one that set it.
        const keep = self && set.blocked !== 1 ? me.sessionId : undefined
        for (const id of await revokeUserSessions(ctx, target.id, keep)) ctx.auth.forgetSession(id)
      } else if (set.role !== undefined || set.username !== undefined) {
        await forgetUserSessions(ctx, target.id)
      }
      const row = await findUser(target.id)
      return ok(req, reply, 200, { result: 'Updated', data: userView(row) })
    },
  )

  app.delete(
    '/users/:id',
    { schema: { tags, security, summary: 'Delete a user', params: IdParams, response: { 200: ResultOnly } } },
    async (req, reply) => {
      const me = requireAccountAdmin(req.principal)
      const target = await findUser((req.params as { id: string }).id)
      if (target.role === 'owner' && me.role !== 'owner') throw forbidden('Only an owner can delete an owner')
      const sessions = await liveSessionIds(ctx, target.id)
      const remove = async (trx: Kysely<Database>) => {
        const row = await trx
          .deleteFrom('users')
          .where('id', '=', target.id)
          .returningAll()
          .executeTakeFirst()
        if (!row) throw notFound('User', target.id)
        const before = userView(row)
        await recordAudit(trx, { ...originOf(req, ctx.clock), action: 'delete', entity: entity(row), before })
      }
      if (target.role === 'owner') await guardOwners(ctx, remove)
      else await db().transaction().execute(remove)
      // Sessions and memberships went with the row (ON DELETE CASCADE); the cache must follow.
      for (const id of sessions) ctx.auth.forgetSession(id)
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )
}

/**
 * Runs a change to an owner inside a transaction that fails with 409 if no unblocked owner would be
 * left. On PostgreSQL the owner rows are locked first, so two concurrent demotions cannot both pass.
 */
export async function guardOwners(ctx: AppContext, change: (trx: Kysely<Database>) => Promise<void>) {
  await ctx.store.db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'owner')
      .$if(ctx.store.dialect === 'postgres', (q) => q.forUpdate())
      .execute()
    await change(trx)
    const left = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'owner')
      .where('blocked', '=', 0)
      .limit(1)
      .executeTakeFirst()
    if (!left) throw new ApiError(409, LAST_OWNER)
  })
}

/** Who may change what: admins change users except owners (owners only by owners); others only themselves. */
export function checkPatchAllowed(
  me: UserPrincipal,
  target: UsersTable,
  body: UserPatch,
  self: boolean,
): void {
  const admin = me.role === 'owner' || me.role === 'admin'
  if (!admin) {
    if (!self) throw forbidden('You may only change your own profile')
    const restricted = (['username', 'role', 'blocked'] as const).filter((f) => body[f] !== undefined)
    if (restricted.length > 0) throw forbidden(`Only owners and admins may change ${restricted.join(', ')}`)
    return
  }
  if (target.role === 'owner' && me.role !== 'owner') throw forbidden('Only an owner can change an owner')
  const grants: Role | undefined = body.role
  if (grants === 'owner' && me.role !== 'owner') throw forbidden('Only an owner can grant the owner role')
}
