import { sql, type Transaction } from 'kysely'
import type { EscalationPolicy, EscalationRepeat, EscalationRule } from '../../../core/model/escalation'
import type { AlertPolicy, MaintenanceWindow, RoutingRule } from '../../../core/model/routing'
import { normalizeUsername } from '../../../core/model/user'
import type { Clock } from '../../../core/time/clock'
import { windowFromRow } from '../../maintenance/windows'
import { policiesFor } from '../../policies/store'
import { loadTeamRules } from '../../routing/rules'
import type { Database, EscalationPoliciesTable } from '../../store/schema'

/*
 * The routing configuration ingest needs for every new alert (routing rules, alert policies, maintenance
 * windows, escalation policies, and names of responders), cached so a batch of a thousand creates costs a
 * handful of reads instead of thousands.
 *
 * Invalidation: every configuration change writes an audit_log row in its own transaction (server/audit),
 * so the largest audit id is a version number of the whole configuration, on every instance. The cache
 * checks it once per write batch (one indexed read) and drops everything when it moved. On PostgreSQL an
 * audit id taken earlier can commit after a larger one, which the version check would miss, so entries
 * also expire after TTL_MS (2 s by the injected clock): a change is seen by the next batch on this
 * instance, and within 2 s in the worst case anywhere.
 */

/** Longest time a cached configuration is trusted without the version check noticing a change. */
export const TTL_MS = 2000

type Trx = Transaction<Database>

/** What routing needs to know about a team. */
export interface TeamConfig {
  id: string
  name: string
  /** Routing rules in evaluation order; a team without rules gets Opsgenie's implicit default rule. */
  rules: RoutingRule[]
  /** Enabled alert policies for the team's alerts, global first (policiesFor order). */
  policies: AlertPolicy[]
}

/** A stored escalation policy in core's model. */
export function policyFromRow(
  row: Pick<EscalationPoliciesTable, 'id' | 'name' | 'team_id' | 'description' | 'rules' | 'repeat'>,
): EscalationPolicy {
  const p: EscalationPolicy = {
    id: row.id,
    name: row.name,
    ownerTeamId: row.team_id,
    rules: JSON.parse(row.rules) as EscalationRule[],
  }
  if (row.description) p.description = row.description
  if (row.repeat !== null) p.repeat = JSON.parse(row.repeat) as EscalationRepeat
  return p
}

/** The configuration as of one version; loads lazily through the caller's transaction. */
export class ConfigSnapshot {
  private readonly teams = new Map<string, TeamConfig | null>()
  private readonly escalations = new Map<string, EscalationPolicy | null>()
  private readonly names = new Map<string, { id: string; name: string } | null>()
  private windowList?: MaintenanceWindow[]

  constructor(
    readonly version: number,
    readonly loadedAt: number,
  ) {}

  /** The team's routing configuration, or null when the team does not exist. */
  async team(trx: Trx, teamId: string): Promise<TeamConfig | null> {
    if (this.teams.has(teamId)) return this.teams.get(teamId) ?? null
    const row = await trx
      .selectFrom('teams')
      .select(['id', 'name'])
      .where('id', '=', teamId)
      .executeTakeFirst()
    let config: TeamConfig | null = null
    if (row) {
      let rules = await loadTeamRules(trx, teamId)
      if (rules.length === 0) rules = await this.implicitDefault(trx, row)
      config = { id: row.id, name: row.name, rules, policies: await policiesFor(trx, teamId) }
    }
    this.teams.set(teamId, config)
    return config
  }

  /**
   * A team that never listed its routing rules has no rows yet (the API creates the default rule lazily):
   * route as that default rule would, to the team's `<team>_escalation` if it exists, else nowhere.
   */
  private async implicitDefault(trx: Trx, team: { id: string; name: string }): Promise<RoutingRule[]> {
    const esc = await this.escalationByName(trx, `${team.name}_escalation`)
    return [
      {
        id: `default:${team.id}`,
        name: 'Default Rule',
        order: 0,
        criteria: { type: 'match-all' },
        timezone: 'UTC',
        notify: esc && esc.ownerTeamId === team.id ? { type: 'escalation', id: esc.id } : { type: 'none' },
        isDefault: true,
      },
    ]
  }

  /** Maintenance windows not cancelled and not over when loaded (core decides which are active when). */
  async windows(trx: Trx): Promise<MaintenanceWindow[]> {
    if (!this.windowList) {
      const rows = await trx
        .selectFrom('maintenance_windows')
        .selectAll()
        .where('cancelled_at', 'is', null)
        .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', this.loadedAt)]))
        .orderBy('start_at')
        .orderBy('id')
        .execute()
      this.windowList = rows.map(windowFromRow)
    }
    return this.windowList
  }

  /** A stored escalation policy by id, or null. */
  async escalation(trx: Trx, id: string): Promise<EscalationPolicy | null> {
    if (this.escalations.has(id)) return this.escalations.get(id) ?? null
    const row = await trx
      .selectFrom('escalation_policies')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    const p = row ? policyFromRow(row) : null
    this.escalations.set(id, p)
    return p
  }

  /** A stored escalation policy by name, or null. */
  async escalationByName(trx: Trx, name: string): Promise<EscalationPolicy | null> {
    const hit = await this.lookup(trx, 'escalation', name, async () => {
      const r = await trx
        .selectFrom('escalation_policies')
        .select(['id', 'name'])
        .where('name', '=', name)
        .executeTakeFirst()
      return r ?? null
    })
    return hit ? this.escalation(trx, hit.id) : null
  }

  /**
   * Resolves a responder reference (id, name or username, as Opsgenie accepts them) of a kind to the
   * stored entity's id and display name; null when nothing matches.
   */
  async resolve(
    trx: Trx,
    kind: 'user' | 'team' | 'schedule' | 'escalation',
    ref: { id?: string; name?: string; username?: string },
  ): Promise<{ id: string; name: string } | null> {
    const by = ref.id ? 'id' : 'name'
    const value = ref.id ?? ref.username ?? ref.name
    if (!value) return null
    return this.lookup(trx, `${kind}:${by}`, value, async () => {
      if (kind === 'user') {
        const q = trx.selectFrom('users').select(['id', 'username as name'])
        const r = await (by === 'id'
          ? q.where('id', '=', value)
          : q.where('username', '=', normalizeUsername(value))
        ).executeTakeFirst()
        return r ?? null
      }
      const table = kind === 'team' ? 'teams' : kind === 'schedule' ? 'schedules' : 'escalation_policies'
      const r = await trx.selectFrom(table).select(['id', 'name']).where(by, '=', value).executeTakeFirst()
      return r ?? null
    })
  }

  private async lookup(
    _trx: Trx,
    kind: string,
    value: string,
    load: () => Promise<{ id: string; name: string } | null>,
  ): Promise<{ id: string; name: string } | null> {
    const k = `${kind}\u0000${value}`
    if (this.names.has(k)) return this.names.get(k) ?? null
    const v = await load()
    this.names.set(k, v)
    return v
  }
}

/** The configuration version: the largest audit id (see the invalidation note above). */
export async function configVersion(trx: Trx): Promise<number> {
  const row = await sql<{ v: number | string | null }>`select max(id) as v from audit_log`.execute(trx)
  return Number(row.rows[0]?.v ?? 0)
}

/** Hands out the current ConfigSnapshot, replacing it when the configuration version moves or it ages. */
export class RoutingConfigCache {
  private current?: ConfigSnapshot

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = TTL_MS,
  ) {}

  /**
   * The snapshot to use for one write batch (checks the version once, inside the batch's transaction).
   * `known` is the version the caller already read in that transaction (saves a round trip).
   */
  async snapshot(trx: Trx, known?: number): Promise<ConfigSnapshot> {
    const now = this.clock.now()
    const version = known ?? (await configVersion(trx))
    const c = this.current
    if (c && c.version === version && now - c.loadedAt < this.ttlMs && now >= c.loadedAt) return c
    this.current = new ConfigSnapshot(version, now)
    return this.current
  }

  /** Forgets everything (tests, or a caller that knows it just changed the configuration). */
  invalidate(): void {
    this.current = undefined
  }
}
