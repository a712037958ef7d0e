import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { LoginBody, LoginResult, normalizeUsername } from '../../../core/model/user'
import { requireUser } from '../../auth/authorize'
import { verifyNothing, verifyPassword } from '../../auth/passwords'
import { createSession, revokeSession } from '../../auth/sessions'
import type { AppContext } from '../../context'
import { envelope, iso, ResultOnly, SECURITY, teamView, userRef, userView } from '../admin/common'
import { ApiError, ok } from '../envelope'

const tags = ['Auth']

/** Login attempts per minute for one username from one address; argon2 makes each attempt cost CPU. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10

/** /api/v1/auth: password login for people (session tokens), logout and "who am I". */
export function authRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  app.post(
    '/api/v1/auth/login',
    {
      config: {
        public: true,
        // Public routes are exempt from the global limiter; login gets its own, keyed by address and
        // username, so guessing one account's password is slow and one address cannot lock everyone out.
        rateLimit: {
          max: LOGIN_ATTEMPTS_PER_MINUTE,
          timeWindow: 60_000,
          allowList: () => false,
          keyGenerator: (req) =>
            `login:${req.ip}:${normalizeUsername(String((req.body as LoginBody)?.username))}`,
        },
      },
      schema: {
        tags,
        summary: 'Log in with username and password; returns a session token for `Authorization: Bearer`',
        body: LoginBody,
        response: { 200: envelope(LoginResult) },
      },
    },
    async (req, reply) => {
      const body = req.body as LoginBody
      const user = await db()
        .selectFrom('users')
        .selectAll()
        .where('username', '=', normalizeUsername(body.username))
        .executeTakeFirst()
      // Unknown users and users without a password cost one argon2 verification too: no enumeration by timing.
      const good = user?.password_hash
        ? await verifyPassword(user.password_hash, body.password)
        : await verifyNothing(body.password)
      if (!user || !good || user.blocked) throw new ApiError(401, 'Invalid username or password')
      const session = await createSession(ctx, user.id)
      return ok(req, reply, 200, {
        result: 'Logged in',
        data: { token: session.token, expiresAt: iso(session.expiresAt), user: userRef(user) },
      })
    },
  )

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags,
        security: [{ Session: [] }],
        summary: 'End the current session',
        response: { 200: ResultOnly },
      },
    },
    async (req, reply) => {
      const me = requireUser(req.principal, 'Integration keys have no session to end')
      await revokeSession(ctx, me.sessionId)
      ctx.auth.forgetSession(me.sessionId)
      return ok(req, reply, 200, { result: 'Logged out' })
    },
  )

  app.get(
    '/api/v1/auth/me',
    {
      schema: {
        tags,
        security: SECURITY,
        summary: 'The authenticated user (with their teams) or integration key',
        response: {
          200: envelope(
            Type.Object({
              kind: Type.Union([Type.Literal('user'), Type.Literal('key')]),
              user: Type.Optional(Type.Unknown()),
              teams: Type.Optional(Type.Unknown()),
              integration: Type.Optional(Type.Unknown()),
            }),
          ),
        },
      },
    },
    async (req, reply) => {
      const p = req.principal
      if (p.kind === 'key') {
        const integration = {
          id: p.integrationId,
          name: p.integrationName,
          type: p.integrationType,
          teamId: p.teamId,
          access: p.access,
        }
        return ok(req, reply, 200, { data: { kind: 'key', integration } })
      }
      const user = await db().selectFrom('users').selectAll().where('id', '=', p.userId).executeTakeFirst()
      if (!user) throw new ApiError(401, 'Could not authenticate')
      const teams = await db()
        .selectFrom('team_members')
        .innerJoin('teams', 'teams.id', 'team_members.team_id')
        .selectAll('teams')
        .select('team_members.role as memberRole')
        .where('team_members.user_id', '=', p.userId)
        .orderBy('teams.name')
        .execute()
      return ok(req, reply, 200, {
        data: {
          kind: 'user',
          user: userView(user),
          teams: teams.map((t) => ({ ...teamView(t), role: t.memberRole })),
        },
      })
    },
  )
}
