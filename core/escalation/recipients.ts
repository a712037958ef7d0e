import type { ScheduleNotifyType, TeamNotifyType } from '../model/escalation'
import { type DueStep, stepKey } from './engine'
import { MINUTE_MS } from './timeline'

/**
 * Who a rule's recipient means at an instant, supplied by the caller (schedules via core/oncall, teams
 * from the store). Answers are user ids; an empty list means nobody, which the engine logs rather than
 * hides. Either sync or async, so the server can read the store while tests pass plain objects.
 */
export interface RecipientResolver {
  scheduleOnCall(
    scheduleId: string,
    instant: number,
    notifyType: ScheduleNotifyType,
  ): readonly string[] | Promise<readonly string[]>
  teamMembers(teamId: string, notifyType: TeamNotifyType): readonly string[] | Promise<readonly string[]>
}

/** One notification to write, under its unique key. */
export interface StepNotification {
  userId: string
  key: string
}

/** A due step with its recipients resolved, and a line for the alert log. */
export interface ResolvedStep {
  step: DueStep
  userIds: string[]
  notifications: StepNotification[]
  log: string
}

function describe(step: DueStep): string {
  const r = step.recipient
  const how = r.type === 'user' ? '' : ` (${step.notifyType})`
  return `rule ${step.rule + 1}, cycle ${step.cycle}: ${r.type} ${r.id}${how}`
}

/**
 * Resolves a due step's recipients at `instant` (normally the time it fires, so a late step reaches
 * whoever is on call *now*) and builds one keyed notification per distinct user. "Nobody on call" comes
 * back as an empty list with a log line saying so; the step still counts as fired.
 */
export async function resolveStep(
  alertId: string,
  step: DueStep,
  resolver: RecipientResolver,
  instant: number,
): Promise<ResolvedStep> {
  const r = step.recipient
  let ids: readonly string[]
  if (r.type === 'user') ids = [r.id]
  else if (r.type === 'schedule')
    ids = await resolver.scheduleOnCall(r.id, instant, step.notifyType as ScheduleNotifyType)
  else ids = await resolver.teamMembers(r.id, step.notifyType as TeamNotifyType)
  const userIds = [...new Set(ids)]
  const late = step.lateByMs >= MINUTE_MS ? ` (late by ${Math.round(step.lateByMs / MINUTE_MS)} min)` : ''
  const log =
    userIds.length === 0
      ? `${describe(step)}: nobody to notify${r.type === 'schedule' ? ' (nobody on call)' : ''}${late}`
      : `${describe(step)}: notifying ${userIds.join(', ')}${late}`
  return {
    step,
    userIds,
    notifications: userIds.map((userId) => ({
      userId,
      key: stepKey(alertId, step.rule, step.cycle, userId),
    })),
    log,
  }
}
