import type { FastifyRequest } from 'fastify'
import type { Recipient } from '../../../core/model/recipient'
import type { Principal } from '../../auth/principal'
import type { AppContext } from '../../context'
import type { IdentifierType } from '../../ingest/alert-service'
import { ApiError } from '../envelope'

export const UNPROCESSABLE = 'Request body is not processable. Please check the errors.'

type Need = 'read' | 'write' | 'delete'

/** Refuses a principal that may not read, write or delete alerts (403, Opsgenie's 40301). */
export function requireAccess(p: Principal, need: Need): void {
  if (p.kind === 'key') {
    if (!p.access[need]) throw new ApiError(403, `This integration key has no ${need} access`)
    return
  }
  if (need !== 'read' && p.role === 'observer') throw new ApiError(403, 'Observers may only read alerts')
}

/** The identifierType query parameter: id (default), alias or tiny. */
export function identifierType(req: FastifyRequest): IdentifierType {
  const raw = (req.query as { identifierType?: string }).identifierType ?? 'id'
  const t = raw.toLowerCase()
  if (t === 'id' || t === 'alias' || t === 'tiny') return t
  throw new ApiError(422, 'Invalid identifierType', {
    identifierType: `must be id, alias or tiny (got '${raw}')`,
  })
}

/**
 * The team a new alert belongs to: a key's own team; for a user, the first team responder they may
 * act for, else their first team.
 */
export async function teamForCreate(ctx: AppContext, p: Principal, responders: Recipient[]): Promise<string> {
  if (p.kind === 'key') return p.teamId
  const admin = p.role === 'owner' || p.role === 'admin'
  for (const r of responders) {
    if (r.type !== 'team') continue
    const team = await ctx.store.db
      .selectFrom('teams')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', r.id ?? ''), eb('name', '=', r.name ?? '')]))
      .executeTakeFirst()
    if (team && (admin || p.teams.has(team.id))) return team.id
  }
  const first = p.teams.keys().next()
  if (!first.done) return first.value
  if (admin) {
    const any = await ctx.store.db.selectFrom('teams').select('id').orderBy('created_at').executeTakeFirst()
    if (any) return any.id
  }
  throw new ApiError(422, UNPROCESSABLE, { responders: 'name a team you belong to: you are in no team' })
}
