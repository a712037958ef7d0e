/** The alert-log wording of the escalation engine: recipients, lateness, rule labels, skipped steps. */
import { CLOSE_RULE, type DueStep, type SkippedStep, type StepRef } from '../../../core/escalation'
import type { StoreRecipients } from './recipients'

/** How the alert log names a step's recipient: a user, a team, or who is on call in a schedule. */
export const describeRecipient = async (step: DueStep, r: StoreRecipients): Promise<string> => {
  const rec = step.recipient
  if (rec.type === 'user') return `user ${await r.username(rec.id)}`
  if (rec.type === 'team') return `team '${await r.teamName(rec.id)}' (${step.notifyType})`
  const s = await r.schedule(rec.id)
  const which =
    step.notifyType === 'default' || step.notifyType === 'all' ? 'on call' : `${step.notifyType} on call`
  return `${which} in schedule '${s?.name ?? rec.id}'`
}

/** ", late by N min" (or seconds) for a step that fired late; empty when on time. */
export const lateText = (ms: number) =>
  ms >= 60_000
    ? `, late by ${Math.round(ms / 60_000)} min`
    : ms >= 1000
      ? `, late by ${Math.round(ms / 1000)} s`
      : ''

/** "rule 2, cycle 0": rules counted from 1 as the console shows them. */
export const ruleLabel = (s: StepRef) => `rule ${s.rule + 1}, cycle ${s.cycle}`

/** The log line for a step (or auto-close) not carried out because the alert is acknowledged. */
export function skippedText(s: SkippedStep): string {
  return s.rule === CLOSE_RULE
    ? `Cycle ${s.cycle}: not closing after all repeats, the alert is acknowledged`
    : `${ruleLabel(s)}: skipped, the alert is acknowledged`
}
