import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { validateGenericMappingConfig } from '../../../core/integrations'
import { prefixed, schemaErrors } from '../../../core/integrations/validate'
import {
  Integration,
  IntegrationCreate,
  IntegrationListQuery,
  IntegrationPatch,
  type IntegrationType,
} from '../../../core/model/integration'
import { AliasPrefixOption } from '../../../core/model/integration-config'
import { integrationEntity as entity } from '../../audit/entities'
import { originOf, recordAudit } from '../../audit/record'
import { forbidden, readsEverything, requireKeyAccess, requireTeamManager } from '../../auth/authorize'
import { createKey } from '../../auth/keys'
import type { Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import type { Database, IntegrationsTable } from '../../store/schema'
import { ApiError, ok } from '../envelope'
import {
  baseUrl,
  envelope,
  IdParams,
  integrationView,
  notFound,
  ResultOnly,
  SECURITY,
  UNPROCESSABLE,
} from './common'

const security = SECURITY
const tags = ['Integrations']

/** The integration as the audit log keeps it: the API view without the key (never stored) and request URLs. */
function snapshot(row: IntegrationsTable) {
  const { urls: _urls, ...rest } = integrationView(row, '')
  return rest
}

// Every type takes the alias prefix option; the Webhook type takes its field mapping instead (integration-config.ts).
const checkAliasPrefix = TypeCompiler.Compile(AliasPrefixOption)

/** Checks `config` for the type (the same validators ingest uses) and returns it, or throws 422 per field. */
export function checkConfig(type: IntegrationType, config: Record<string, unknown> | undefined) {
  let errors: Record<string, string>
  if (type === 'Webhook') {
    if (config === undefined)
      throw new ApiError(422, UNPROCESSABLE, { config: 'is required for Webhook integrations' })
    const res = validateGenericMappingConfig(config)
    if (res.ok) return config
    errors = res.errors
  } else {
    errors = schemaErrors(checkAliasPrefix, config ?? {}, '(config)')
    if (Object.keys(errors).length === 0) return config ?? {}
  }
  const named = Object.entries(errors).map(([k, v]) => [
    k === '(config)' ? 'config' : prefixed('config', k),
    v,
  ])
  throw new ApiError(422, UNPROCESSABLE, Object.fromEntries(named))
}

/** /api/v1/integrations: inbound integrations and their keys. */
export function integrationAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db

  async function findIntegration(id: string): Promise<IntegrationsTable> {
    const row = await db().selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw notFound('Integration', id)
    return row
  }

  /** The row as the transaction sees it, locked on PostgreSQL so `before` is what the change replaces. */
  async function lockIntegration(trx: Kysely<Database>, id: string): Promise<IntegrationsTable> {
    const row = await trx
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', id)
      .$if(ctx.store.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst()
    if (!row) throw notFound('Integration', id)
    return row
  }

  async function requireTeamExists(teamId: string): Promise<void> {
    const team = await db().selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst()
    if (!team) throw new ApiError(422, UNPROCESSABLE, { teamId: `no team ${teamId}` })
  }

  /** Account admins and observers read every integration, users those of their teams, keys their own team's. */
  function requireReader(p: Principal, teamId: string): void {
    if (p.kind === 'key') {
      requireKeyAccess(p, 'read')
      if (p.teamId !== teamId) throw forbidden("Keys may only read their own team's objects")
    } else if (!readsEverything(p) && !p.teams.has(teamId)) {
      throw forbidden("Only members of the integration's team may see it")
    }
  }

  app.post(
    '/integrations',
    {
      schema: {
        tags,
        security,
        summary: 'Create an integration; the response is the only time its key is shown',
        body: IntegrationCreate,
        response: { 201: envelope(Integration) },
      },
    },
    async (req, reply) => {
      const body = req.body as IntegrationCreate
      requireTeamManager(req.principal, body.teamId, 'write')
      await requireTeamExists(body.teamId)
      const config = checkConfig(body.type, body.config)
      const key = createKey()
      const now = ctx.clock.now()
      const row: IntegrationsTable = {
        id: randomUUID(),
        name: body.name.trim(),
        type: body.type,
        team_id: body.teamId,
        key_hash: key.hash,
        key_hint: key.hint,
        enabled: body.enabled === false ? 0 : 1,
        allow_read: body.allowReadAccess === false ? 0 : 1,
        allow_write: body.allowWriteAccess === false ? 0 : 1,
        allow_delete: body.allowDeleteAccess === false ? 0 : 1,
        allow_configuration: body.allowConfigurationAccess === true ? 1 : 0,
        rate_limit_per_minute: body.rateLimitPerMinute ?? 0,
        config: JSON.stringify(config),
        created_at: now,
        updated_at: now,
      }
      await db()
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('integrations').values(row).execute()
          const after = snapshot(row)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'create',
            entity: entity(row),
            after,
          })
        })
      return ok(req, reply, 201, { result: 'Created', data: integrationView(row, baseUrl(req), key.key) })
    },
  )

  app.get(
    '/integrations',
    {
      schema: {
        tags,
        security,
        summary: 'List integrations (filter by teamId, type)',
        querystring: IntegrationListQuery,
        response: { 200: envelope(Type.Array(Integration)) },
      },
    },
    async (req, reply) => {
      const p = req.principal
      const query = req.query as IntegrationListQuery
      let q = db().selectFrom('integrations').selectAll().orderBy('name').orderBy('id')
      if (query.teamId) q = q.where('team_id', '=', query.teamId)
      if (query.type) q = q.where('type', '=', query.type)
      if (p.kind === 'key') {
        requireKeyAccess(p, 'read')
        q = q.where('team_id', '=', p.teamId)
      } else if (!readsEverything(p)) {
        const teams = [...p.teams.keys()]
        if (teams.length === 0) return ok(req, reply, 200, { data: [] })
        q = q.where('team_id', 'in', teams)
      }
      const base = baseUrl(req)
      return ok(req, reply, 200, { data: (await q.execute()).map((r) => integrationView(r, base)) })
    },
  )

  app.get(
    '/integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get an integration',
        params: IdParams,
        response: { 200: envelope(Integration) },
      },
    },
    async (req, reply) => {
      const row = await findIntegration((req.params as { id: string }).id)
      requireReader(req.principal, row.team_id)
      return ok(req, reply, 200, { data: integrationView(row, baseUrl(req)) })
    },
  )

  app.patch(
    '/integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Update an integration (name, team, access flags, enabled, rate limit, config)',
        params: IdParams,
        body: IntegrationPatch,
        response: { 200: envelope(Integration) },
      },
    },
    async (req, reply) => {
      const row = await findIntegration((req.params as { id: string }).id)
      const body = req.body as IntegrationPatch
      requireTeamManager(req.principal, row.team_id, 'write')
      if (body.teamId !== undefined && body.teamId !== row.team_id) {
        // Moving an integration is giving its key to another team: the caller must manage both.
        requireTeamManager(req.principal, body.teamId, 'write')
        await requireTeamExists(body.teamId)
      }
      const set: Partial<IntegrationsTable> = { updated_at: ctx.clock.now() }
      if (body.name !== undefined) set.name = body.name.trim()
      if (body.teamId !== undefined) set.team_id = body.teamId
      if (body.enabled !== undefined) set.enabled = body.enabled ? 1 : 0
      if (body.allowReadAccess !== undefined) set.allow_read = body.allowReadAccess ? 1 : 0
      if (body.allowWriteAccess !== undefined) set.allow_write = body.allowWriteAccess ? 1 : 0
      if (body.allowDeleteAccess !== undefined) set.allow_delete = body.allowDeleteAccess ? 1 : 0
      if (body.allowConfigurationAccess !== undefined) {
        set.allow_configuration = body.allowConfigurationAccess ? 1 : 0
      }
      if (body.rateLimitPerMinute !== undefined) set.rate_limit_per_minute = body.rateLimitPerMinute
      if (body.config !== undefined) set.config = JSON.stringify(checkConfig(row.type, body.config))
      await db()
        .transaction()
        .execute(async (trx) => {
          const before = await lockIntegration(trx, row.id)
          const after = await trx
            .updateTable('integrations')
            .set(set)
            .where('id', '=', row.id)
            .returningAll()
            .executeTakeFirst()
          if (!after) throw notFound('Integration', row.id)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'update',
            entity: entity(after),
            before: snapshot(before),
            after: snapshot(after),
          })
        })
      ctx.auth.forgetIntegration(row.id)
      const updated = await findIntegration(row.id)
      return ok(req, reply, 200, { result: 'Updated', data: integrationView(updated, baseUrl(req)) })
    },
  )

  app.delete(
    '/integrations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an integration',
        params: IdParams,
        response: { 200: ResultOnly },
      },
    },
    async (req, reply) => {
      const row = await findIntegration((req.params as { id: string }).id)
      requireTeamManager(req.principal, row.team_id, 'delete')
      await db()
        .transaction()
        .execute(async (trx) => {
          const gone = await trx
            .deleteFrom('integrations')
            .where('id', '=', row.id)
            .returningAll()
            .executeTakeFirst()
          if (!gone) throw notFound('Integration', row.id)
          const before = snapshot(gone)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'delete',
            entity: entity(gone),
            before,
          })
        })
      ctx.auth.forgetIntegration(row.id)
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  app.post(
    '/integrations/:id/rotate-key',
    {
      schema: {
        tags,
        security,
        summary: 'Replace the key; the old key stops working and the new one is shown only here',
        params: IdParams,
        response: { 200: envelope(Integration) },
      },
    },
    async (req, reply) => {
      const row = await findIntegration((req.params as { id: string }).id)
      requireTeamManager(req.principal, row.team_id, 'write')
      const next = createKey()
      // The new key and the audit entry that records the rotation share one transaction.
      // The entry shows the key hints before and after, which tell keys apart without revealing either.
      const updated = await db()
        .transaction()
        .execute(async (trx) => {
          const before = await lockIntegration(trx, row.id)
          const after = await trx
            .updateTable('integrations')
            .set({ key_hash: next.hash, key_hint: next.hint, updated_at: ctx.clock.now() })
            .where('id', '=', row.id)
            .returningAll()
            .executeTakeFirst()
          if (!after) throw notFound('Integration', row.id)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'rotate-key',
            entity: entity(after),
            before: snapshot(before),
            after: snapshot(after),
          })
          return after
        })
      ctx.auth.forgetIntegration(row.id)
      return ok(req, reply, 200, {
        result: 'Rotated',
        data: integrationView(updated, baseUrl(req), next.key),
      })
    },
  )
}
