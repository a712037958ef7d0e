import type { Insertable, Transaction } from 'kysely'
import type { NormalizedAlert } from '../../../core/alerts/normalize'
import { matchesCriteria } from '../../../core/criteria/evaluate'
import type { EscalationPolicy, EscalationRepeat, EscalationRule } from '../../../core/model/escalation'
import type { RoutingNotify } from '../../../core/model/routing'
import { applyAlertPolicies, inMaintenance, isWindowActive, routeAlert } from '../../../core/routing'
import type { Clock } from '../../../core/time/clock'
import type { Batch } from '../../ingest/group-commit'
import type { Database, EscalationRunsTable } from '../../store/schema'
import { ConfigSnapshot, RoutingConfigCache } from './config-cache'
import { firstWake, initialState, type RunState } from './state'

/*
 * Ingest-time routing (DESIGN "How an alert flows" 2 and 3), in two halves run inside the create batch's
 * transaction: `prepare` applies the org and team alert policies before dedup (they may change the alias),
 * and `route` — for alerts the batch actually created, not dedup hits — decides who escalation pages and
 * returns the escalation_runs row to insert in the same transaction, logging every decision on the alert.
 */

type Trx = Transaction<Database>

/** What the alert policies made of a create request. */
export interface Prepared {
  alert: NormalizedAlert
  /** The policy that silenced notifications, if one did. */
  suppressedBy?: string
  autoCloseAfterMs?: number
  /** The applied policy whose auto-close is the soonest (the one that will close the alert). */
  autoClosePolicy?: string
  /** Alert policies applied, in order, and those left out because a maintenance window covers them. */
  applied: string[]
  paused: string[]
}

/** A created alert to route. */
export interface CreatedAlert {
  id: string
  teamId: string
  integrationId: string | null
  prepared: Prepared
}

/** The one rule a schedule or user target becomes: notify at once while nobody acknowledged. */
function targetRule(type: 'schedule' | 'user', id: string): EscalationRule {
  return { condition: 'if-not-acked', delayMinutes: 0, recipient: { type, id }, notifyType: 'default' }
}

const ruleKey = (r: EscalationRule) =>
  `${r.condition}|${r.delayMinutes}|${r.recipient.type}|${r.recipient.id}|${r.notifyType}`

/** Collects the rules of every source that pages for one alert (routing, responders). */
class Pages {
  readonly rules: EscalationRule[] = []
  private readonly seen = new Set<string>()
  primary?: EscalationPolicy
  repeat?: EscalationRepeat
  add(rules: readonly EscalationRule[], repeat?: EscalationRepeat): void {
    for (const r of rules) {
      const k = ruleKey(r)
      if (this.seen.has(k)) continue
      this.seen.add(k)
      this.rules.push(r)
    }
    if (repeat && !this.repeat) this.repeat = repeat
  }
  /**
   * One policy snapshot: every rule, stable-sorted by delay (core requires non-decreasing delays). The
   * repeat is the routed policy's (or the first responder escalation's): one alert has one repeat clock.
   */
  policy(alertId: string, teamId: string): EscalationPolicy {
    const rules = this.rules
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.delayMinutes - b.r.delayMinutes || a.i - b.i)
    const p: EscalationPolicy = {
      id: this.primary?.id ?? `alert:${alertId}`,
      name: this.primary?.name ?? 'Routed alert',
      ownerTeamId: this.primary?.ownerTeamId ?? teamId,
      rules: rules.map((x) => x.r),
    }
    if (this.repeat) p.repeat = this.repeat
    return p
  }
}

/** The routing of one write batch: a configuration snapshot shared by all its creates. */
export class RoutingBatch {
  private readonly snapshots = new Map<string, { policy: EscalationPolicy; json: string }>()

  constructor(
    private readonly config: ConfigSnapshot,
    private readonly trx: Trx,
  ) {}

  /** Applies alert policies (minus those a maintenance window pauses) to a create request. */
  async prepare(alert: NormalizedAlert, teamId: string, now: number): Promise<Prepared> {
    const team = await this.config.team(this.trx, teamId)
    if (!team || team.policies.length === 0) return { alert, applied: [], paused: [] }
    const windows = (await this.config.windows(this.trx)).filter((w) => isWindowActive(w, now))
    const paused = new Set(windows.flatMap((w) => w.scope.policyIds ?? []))
    const live = team.policies.filter((p) => !paused.has(p.id))
    const out = applyAlertPolicies(live, alert, now)
    const prepared: Prepared = {
      alert: out.alert,
      applied: out.applied,
      paused: team.policies
        .filter((p) => paused.has(p.id) && matchesCriteria(p.filter, alert))
        .map((p) => p.name),
    }
    if (out.suppressed) {
      // The last applied policy that suppresses is the one to name; any of them would have.
      const by = [...team.policies].reverse().find((p) => p.suppress && out.applied.includes(p.name))
      prepared.suppressedBy = by?.name ?? out.applied[out.applied.length - 1] ?? 'an alert policy'
    }
    if (out.autoCloseAfterMs !== undefined) {
      prepared.autoCloseAfterMs = out.autoCloseAfterMs
      const closer = team.policies
        .filter((p) => p.autoCloseAfterMinutes !== undefined && out.applied.includes(p.name))
        .sort((x, y) => (x.autoCloseAfterMinutes ?? 0) - (y.autoCloseAfterMinutes ?? 0))[0]
      if (closer) prepared.autoClosePolicy = closer.name
    }
    return prepared
  }

  /**
   * Routes a newly created alert: logs what the policies did, checks maintenance, follows the team's
   * routing rules and the request's responders, and returns the run row to insert (undefined when nothing
   * will ever happen to the alert: nobody to page and no auto-close).
   */
  async route(
    batch: Batch,
    a: CreatedAlert,
    now: number,
  ): Promise<Insertable<EscalationRunsTable> | undefined> {
    const log = (text: string) =>
      batch.log({ alert_id: a.id, created_at: now, type: 'routing', owner: 'system', log: text })
    const p = a.prepared
    for (const name of p.paused) log(`Alert policy '${name}' not applied: it is in a maintenance window`)
    for (const name of p.applied) log(`Alert policy '${name}' applied`)
    const state: RunState = initialState(now)
    if (p.autoCloseAfterMs !== undefined) {
      state.autoCloseAt = now + p.autoCloseAfterMs
      const by = p.autoClosePolicy ?? 'an alert policy'
      state.autoClosePolicy = by
      log(`Will close automatically at ${new Date(state.autoCloseAt).toISOString()} (alert policy '${by}')`)
    }
    const pages = new Pages()
    const silenced = await this.silence(a, now, log)
    if (!silenced) {
      const team = await this.config.team(this.trx, a.teamId)
      if (team) await this.follow(pages, team.id, a, now, log, '')
      await this.responders(pages, a, now, log)
      if (pages.rules.length === 0) log('Nobody is paged for this alert')
    }
    if (pages.rules.length === 0 && state.autoCloseAt === undefined) return undefined
    const { policy, json } = this.snapshot(pages, a)
    return {
      alert_id: a.id,
      team_id: a.teamId,
      policy_id: pages.primary?.id ?? null,
      policy: json,
      state: JSON.stringify(state),
      next_wake_at: firstWake(policy, state),
      created_at: now,
      updated_at: now,
    }
  }

  /** The run's policy snapshot and its JSON; the common case (just the routed policy) is built once. */
  private snapshot(pages: Pages, a: CreatedAlert): { policy: EscalationPolicy; json: string } {
    const primary = pages.primary
    const plain = primary !== undefined && pages.rules.length === primary.rules.length
    const hit = plain ? this.snapshots.get(primary.id) : undefined
    if (hit) return hit
    const policy = pages.policy(a.id, a.teamId)
    const out = { policy, json: JSON.stringify(policy) }
    if (plain) this.snapshots.set(primary.id, out)
    return out
  }

  /** The rules a list of responders adds, for an alert that already exists. */
  async pageResponders(
    alert: NormalizedAlert,
    target: { id: string; teamId: string },
    now: number,
    log: (t: string) => void,
  ): Promise<EscalationRule[]> {
    const pages = new Pages()
    const a: CreatedAlert = {
      id: target.id,
      teamId: target.teamId,
      integrationId: null,
      prepared: { alert, applied: [], paused: [] },
    }
    await this.responders(pages, a, now, log)
    return pages.rules
  }

  /** True (and logged) when a policy or a maintenance window of the team or integration silences the alert. */
  private async silence(a: CreatedAlert, now: number, log: (t: string) => void): Promise<boolean> {
    if (a.prepared.suppressedBy) {
      log(`Notifications suppressed by alert policy '${a.prepared.suppressedBy}'`)
      return true
    }
    const target =
      a.integrationId === null ? { teamId: a.teamId } : { teamId: a.teamId, integrationId: a.integrationId }
    const w = inMaintenance(await this.config.windows(this.trx), target, now)
    if (w) {
      log(
        `Notifications suppressed: maintenance window ${w.id}${w.description ? ` (${w.description})` : ''} is active`,
      )
      return true
    }
    return false
  }

  /** Follows a team's routing rules for the alert; `who` prefixes log lines for responder teams. */
  private async follow(
    pages: Pages,
    teamId: string,
    a: CreatedAlert,
    now: number,
    log: (t: string) => void,
    who: string,
  ): Promise<void> {
    const team = await this.config.team(this.trx, teamId)
    if (!team) return
    const subject = { ...a.prepared.alert, alias: a.prepared.alert.alias ?? a.id, ownerTeamId: a.teamId }
    const decision = routeAlert(team.rules, subject, now)
    if (!decision) {
      log(`${who}No routing rule of team '${team.name}' matched: nobody paged`)
      return
    }
    await this.target(
      pages,
      decision.notify,
      `${who}Routed by rule '${decision.rule.name}'`,
      now,
      log,
      who === '',
    )
  }

  /** Adds what a routing target pages, with the log line naming it. */
  private async target(
    pages: Pages,
    notify: RoutingNotify,
    prefix: string,
    now: number,
    log: (t: string) => void,
    primary: boolean,
  ): Promise<void> {
    if (notify.type === 'none') {
      log(`${prefix} to nobody`)
      return
    }
    if (notify.type === 'schedule') {
      const s = await this.config.resolve(this.trx, 'schedule', { id: notify.id })
      if (!s) return log(`${prefix} to schedule ${notify.id}, which does not exist: nobody paged`)
      log(`${prefix} to schedule '${s.name}'`)
      pages.add([targetRule('schedule', s.id)])
      return
    }
    const policy = await this.config.escalation(this.trx, notify.id)
    if (!policy) return log(`${prefix} to policy ${notify.id}, which does not exist: nobody paged`)
    const w = inMaintenance(await this.config.windows(this.trx), { policyIds: [policy.id] }, now)
    if (w) return log(`${prefix} to policy '${policy.name}', silenced by maintenance window ${w.id}`)
    log(`${prefix} to policy '${policy.name}'`)
    if (primary && !pages.primary) pages.primary = policy
    pages.add(policy.rules, policy.repeat)
  }

  /** Opsgenie responders of the request: users and schedules paged at once, teams by their routing. */
  private async responders(
    pages: Pages,
    a: CreatedAlert,
    now: number,
    log: (t: string) => void,
  ): Promise<void> {
    for (const r of a.prepared.alert.responders) {
      const kind = r.type as 'user' | 'team' | 'schedule' | 'escalation'
      const label = r.name ?? r.username ?? r.id ?? ''
      const found = await this.config.resolve(this.trx, kind, r)
      if (!found) {
        log(`Responder ${kind} '${label}' does not exist`)
        continue
      }
      // A team responder means that team's routing; the alert's own team is already routed.
      if (kind === 'team') {
        if (found.id !== a.teamId)
          await this.follow(pages, found.id, a, now, log, `Responder team '${found.name}': `)
      } else if (kind === 'escalation')
        await this.target(pages, { type: 'escalation', id: found.id }, 'Responder: routed', now, log, false)
      else {
        log(`Responder ${kind} '${found.name}' is paged`)
        pages.add([targetRule(kind, found.id)])
      }
    }
  }
}

/**
 * The rules that page responders added to an existing alert (Opsgenie's add responder / add team): a user
 * or schedule at once, a team through its routing, an escalation's rules. Reads the configuration afresh
 * (an action is rare next to creates); decisions go to the alert log through `log`.
 */
export async function responderRules(
  trx: Trx,
  alert: NormalizedAlert,
  target: { id: string; teamId: string },
  responders: NormalizedAlert['responders'],
  now: number,
  log: (text: string) => void,
): Promise<EscalationRule[]> {
  const routing = new RoutingBatch(new ConfigSnapshot(0, now), trx)
  return routing.pageResponders({ ...alert, responders }, target, now, log)
}

/** Ingest-time routing with its configuration cache; one per app. */
export class AlertRouter {
  readonly cache: RoutingConfigCache

  constructor(clock: Clock, cache?: RoutingConfigCache) {
    this.cache = cache ?? new RoutingConfigCache(clock)
  }

  /** The routing of one write batch, inside its transaction (`version`: the configuration version, if read). */
  async begin(trx: Trx, version?: number): Promise<RoutingBatch> {
    return new RoutingBatch(await this.cache.snapshot(trx, version), trx)
  }
}
