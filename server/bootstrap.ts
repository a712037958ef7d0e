import { randomUUID } from 'node:crypto'
import { normalizeUsername } from '../core/model/user'
import { integrationEntity, teamEntity, teamMemberAudit, userEntity } from './audit/entities'
import { type AuditActor, recordAudit, systemOrigin } from './audit/record'
import { keyFromValue } from './auth/keys'
import { generatePassword, hashPassword } from './auth/passwords'
import type { AppDeps } from './deps'

/** Name of the team the first owner and the bootstrap integration land in. */
export const DEFAULT_TEAM = 'Default'
/** Name of the API integration whose key comes from VIGIL_BOOTSTRAP_API_KEY. */
export const BOOTSTRAP_INTEGRATION = 'Bootstrap API'

/** Who the audit log says made bootstrap's changes. */
export const BOOTSTRAP_ACTOR: AuditActor = { kind: 'system', id: 'bootstrap', name: 'Vigil bootstrap' }

/** What bootstrap did; main.ts prints `generatedPassword` once and nowhere else keeps it. */
export interface BootstrapResult {
  ownerCreated: boolean
  ownerEmail: string
  generatedPassword?: string
  teamId: string
  bootstrapIntegrationId?: string
}

/**
 * Makes a fresh install usable and is safe on every start, also from several processes at once on
 * PostgreSQL: every insert is `ON CONFLICT DO NOTHING` on a unique column and followed by a re-read,
 * so the loser of a race simply adopts the winner's row.
 *
 * - no users yet: the owner from config.adminEmail / adminPassword (generated when absent);
 * - a team named "Default" (the owner as its admin) unless the bootstrap integration already has a team;
 * - config.bootstrapApiKey set: an API integration "Bootstrap API" whose key is that value; when the value
 *   changes between starts, that integration's key is replaced (the old value stops working).
 */
export async function bootstrap(deps: AppDeps): Promise<BootstrapResult> {
  const { db } = deps.store
  const now = deps.clock.now()
  const ownerEmail = normalizeUsername(deps.config.adminEmail)
  const result: BootstrapResult = { ownerCreated: false, ownerEmail, teamId: '' }

  let ownerId: string | undefined
  const anyUser = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
  if (!anyUser) {
    const password = deps.config.adminPassword ?? generatePassword()
    const owner = {
      id: randomUUID(),
      username: ownerEmail,
      full_name: 'Owner',
      role: 'owner' as const,
      password_hash: await hashPassword(password),
      time_zone: 'UTC',
      blocked: 0,
      created_at: now,
      updated_at: now,
    }
    // Each creation and its audit entry commit together; only the process whose insert won records it.
    const inserted = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('users')
        .values(owner)
        .onConflict((oc) => oc.column('username').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (row) {
        await recordAudit(trx, {
          ...systemOrigin(deps.clock, BOOTSTRAP_ACTOR),
          action: 'create',
          entity: userEntity(owner),
          after: {
            id: owner.id,
            username: owner.username,
            fullName: owner.full_name,
            role: owner.role,
            timeZone: owner.time_zone,
            blocked: false,
            hasPassword: true,
          },
        })
      }
      return row
    })
    if (inserted) {
      ownerId = inserted.id
      result.ownerCreated = true
      if (!deps.config.adminPassword) result.generatedPassword = password
    }
  }

  const key = deps.config.bootstrapApiKey ? keyFromValue(deps.config.bootstrapApiKey) : undefined
  const keyed = key
    ? await db
        .selectFrom('integrations')
        .select(['id', 'team_id'])
        .where('key_hash', '=', key.hash)
        .executeTakeFirst()
    : undefined
  result.teamId = keyed?.team_id ?? (await ensureTeam(deps, DEFAULT_TEAM, now))

  if (ownerId) {
    const userId = ownerId
    const teamId = result.teamId
    await db.transaction().execute(async (trx) => {
      const added = await trx
        .insertInto('team_members')
        .values({ team_id: teamId, user_id: userId, role: 'admin' })
        .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst()
      if (!added) return
      const team = await trx.selectFrom('teams').select('name').where('id', '=', teamId).executeTakeFirst()
      const audit = teamMemberAudit(
        { id: teamId, name: team?.name ?? teamId },
        { id: userId, username: ownerEmail },
        'admin',
      )
      const origin = systemOrigin(deps.clock, BOOTSTRAP_ACTOR)
      await recordAudit(trx, { ...origin, action: 'add-member', entity: audit.entity, after: audit.snapshot })
    })
  }

  if (key) {
    result.bootstrapIntegrationId =
      keyed?.id ?? (await ensureBootstrapIntegration(deps, result.teamId, key, now))
  }
  return result
}

async function ensureTeam(deps: AppDeps, name: string, now: number): Promise<string> {
  const { db } = deps.store
  const row = {
    id: randomUUID(),
    name,
    description: 'Created at first start',
    created_at: now,
    updated_at: now,
  }
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('teams')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) return
    await recordAudit(trx, {
      ...systemOrigin(deps.clock, BOOTSTRAP_ACTOR),
      action: 'create',
      entity: teamEntity(row),
      after: { id: row.id, name, description: row.description },
    })
  })
  const team = await db.selectFrom('teams').select('id').where('name', '=', name).executeTakeFirstOrThrow()
  return team.id
}

/** Gives the existing "Bootstrap API" integration the configured key, or creates it; returns its id. */
async function ensureBootstrapIntegration(
  deps: AppDeps,
  teamId: string,
  key: { hash: string; hint: string },
  now: number,
): Promise<string> {
  const { db } = deps.store
  const named = await db
    .selectFrom('integrations')
    .select('id')
    .where('name', '=', BOOTSTRAP_INTEGRATION)
    .where('type', '=', 'API')
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst()
  const origin = systemOrigin(deps.clock, BOOTSTRAP_ACTOR)
  const entity = (id: string) => integrationEntity({ id, name: BOOTSTRAP_INTEGRATION })
  try {
    if (named) {
      // The configured value changed since the last start: the new value replaces the old key. Locked and
      // compared first, so of several concurrent starts only one changes it and records the rotation.
      await db.transaction().execute(async (trx) => {
        const old = await trx
          .selectFrom('integrations')
          .select(['key_hash', 'key_hint'])
          .where('id', '=', named.id)
          .$if(deps.store.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst()
        if (!old || old.key_hash === key.hash) return
        await trx
          .updateTable('integrations')
          .set({ key_hash: key.hash, key_hint: key.hint, updated_at: now })
          .where('id', '=', named.id)
          .execute()
        // Hints only, as for admin rotations: they tell keys apart and reveal neither.
        await recordAudit(trx, {
          ...origin,
          action: 'rotate-key',
          entity: entity(named.id),
          before: { keyHint: old.key_hint },
          after: { keyHint: key.hint },
        })
      })
    } else {
      const row = {
        id: randomUUID(),
        name: BOOTSTRAP_INTEGRATION,
        type: 'API' as const,
        team_id: teamId,
        key_hash: key.hash,
        key_hint: key.hint,
        enabled: 1,
        allow_read: 1,
        allow_write: 1,
        allow_delete: 1,
        allow_configuration: 1,
        rate_limit_per_minute: 0,
        config: '{}',
        created_at: now,
        updated_at: now,
      }
      await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('integrations')
          .values(row)
          .onConflict((oc) => oc.column('key_hash').doNothing())
          .returning('id')
          .executeTakeFirst()
        if (!inserted) return
        await recordAudit(trx, {
          ...origin,
          action: 'create',
          entity: entity(row.id),
          after: { id: row.id, name: row.name, type: row.type, teamId, keyHint: key.hint },
        })
      })
    }
  } catch (err) {
    // A concurrent process gave another row this key first (unique key_hash); adopt that row below.
    if (
      !(await db.selectFrom('integrations').select('id').where('key_hash', '=', key.hash).executeTakeFirst())
    ) {
      throw err
    }
  }
  const row = await db
    .selectFrom('integrations')
    .select('id')
    .where('key_hash', '=', key.hash)
    .executeTakeFirstOrThrow()
  return row.id
}
