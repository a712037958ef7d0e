import type { Kysely } from 'kysely'
import type { FieldErrors } from '../../core/criteria/errors'
import type {
  EscalationCondition,
  EscalationRecipientKind,
  EscalationRepeat,
  EscalationRule,
} from '../../core/model/escalation'
import { normalizeUsername } from '../../core/model/user'
import type { Database, EscalationPoliciesTable } from '../store/schema'

/*
 * Opsgenie's escalation bodies (notes/opsgenie-api.md §5) to and from Vigil's internal model
 * (core/model/escalation.ts): delays become minutes, recipients are resolved to ids.
 */

export type TimeUnit = 'minutes' | 'hours' | 'days'
const UNIT_MINUTES: Record<TimeUnit, number> = { minutes: 1, hours: 60, days: 1440 }

/** A recipient as Opsgenie bodies name it. */
export interface RecipientRef {
  type: EscalationRecipientKind
  id?: string
  name?: string
  username?: string
}

/** One rule as Opsgenie bodies send it. */
export interface OpsgenieRuleIn {
  condition?: EscalationCondition
  notifyType?: string
  delay?: { timeAmount: number; timeUnit?: TimeUnit }
  recipient: RecipientRef
}

export interface OpsgenieRepeatIn {
  waitInterval?: number
  count?: number
  resetRecipientStates?: boolean
  closeAlertAfterAll?: boolean
}

/** One rule as Vigil answers it. */
export interface OpsgenieRuleOut {
  condition: EscalationCondition
  notifyType: string
  delay: { timeAmount: number; timeUnit: 'minutes' }
  recipient: { type: EscalationRecipientKind; id: string; name?: string; username?: string }
}

export interface OpsgenieEscalation {
  id: string
  name: string
  description: string
  ownerTeam: { id: string; name: string }
  rules: OpsgenieRuleOut[]
  repeat?: {
    waitInterval: number
    count: number
    resetRecipientStates: boolean
    closeAlertAfterAll: boolean
  }
}

/** The id a recipient reference names, or undefined when nothing by that id or name exists. */
export async function resolveRecipient(db: Kysely<Database>, ref: RecipientRef): Promise<string | undefined> {
  if (ref.type === 'user') {
    const username = ref.username ?? ref.name
    const row = await db
      .selectFrom('users')
      .select('id')
      .$if(ref.id !== undefined, (q) => q.where('id', '=', ref.id as string))
      .$if(ref.id === undefined, (q) => q.where('username', '=', normalizeUsername(username ?? '')))
      .executeTakeFirst()
    return row?.id
  }
  const table = ref.type === 'team' ? 'teams' : 'schedules'
  const row = await db
    .selectFrom(table)
    .select('id')
    .$if(ref.id !== undefined, (q) => q.where('id', '=', ref.id as string))
    .$if(ref.id === undefined, (q) => q.where('name', '=', ref.name ?? ''))
    .executeTakeFirst()
  return row?.id
}

/**
 * Converts Opsgenie rules to the internal model, resolving recipients; unknown recipients are recorded
 * in `errors` as `rules[i].recipient`. Defaults: condition if-not-acked, notifyType default, delay 0.
 */
export async function rulesFromOpsgenie(
  db: Kysely<Database>,
  rules: readonly OpsgenieRuleIn[],
  errors: FieldErrors,
): Promise<EscalationRule[]> {
  const out: EscalationRule[] = []
  for (const [i, r] of rules.entries()) {
    const ref = r.recipient
    let id: string | undefined
    if (ref.id === undefined && ref.name === undefined && ref.username === undefined) {
      errors[`rules[${i}].recipient`] = 'must have an id, a name or (for users) a username'
    } else {
      id = await resolveRecipient(db, ref)
      if (id === undefined) {
        errors[`rules[${i}].recipient`] = `${ref.type} ${ref.id ?? ref.username ?? ref.name} does not exist`
      }
    }
    const unit = r.delay?.timeUnit ?? 'minutes'
    out.push({
      condition: r.condition ?? 'if-not-acked',
      delayMinutes: (r.delay?.timeAmount ?? 0) * UNIT_MINUTES[unit],
      recipient: { type: ref.type, id: id ?? ref.id ?? '?' },
      notifyType: (r.notifyType ?? 'default') as EscalationRule['notifyType'],
    })
  }
  return out
}

export function repeatFromOpsgenie(r: OpsgenieRepeatIn): EscalationRepeat {
  return {
    waitIntervalMinutes: r.waitInterval ?? 0,
    count: r.count ?? 0,
    resetRecipientStates: r.resetRecipientStates ?? false,
    closeAlertAfterAll: r.closeAlertAfterAll ?? false,
  }
}

/** Rewrites internal-model error keys to the fields the Opsgenie body used. */
export function opsgenieErrorKeys(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {}
  for (const [k, m] of Object.entries(errors)) {
    const key = k
      .replace(/\.delayMinutes$/, '.delay.timeAmount')
      .replace(/^repeat\.waitIntervalMinutes$/, 'repeat.waitInterval')
      .replace(/^ownerTeamId$/, 'ownerTeam')
    out[key] ??= m
  }
  return out
}

/** Names of the users, teams and schedules a set of rules points at (for answers). */
async function recipientNames(db: Kysely<Database>, rules: readonly EscalationRule[]) {
  const ids = (kind: EscalationRecipientKind) => [
    ...new Set(rules.filter((r) => r.recipient.type === kind).map((r) => r.recipient.id)),
  ]
  const names = new Map<string, string>()
  const users = ids('user')
  if (users.length) {
    for (const u of await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', 'in', users)
      .execute())
      names.set(`user:${u.id}`, u.username)
  }
  for (const [kind, table] of [
    ['team', 'teams'],
    ['schedule', 'schedules'],
  ] as const) {
    const list = ids(kind)
    if (!list.length) continue
    for (const t of await db.selectFrom(table).select(['id', 'name']).where('id', 'in', list).execute())
      names.set(`${kind}:${t.id}`, t.name)
  }
  return names
}

/** The stored policy in Opsgenie's shape (delays in minutes, recipients with id and name/username). */
export async function escalationView(
  db: Kysely<Database>,
  row: EscalationPoliciesTable & { team_name: string },
): Promise<OpsgenieEscalation> {
  const rules = JSON.parse(row.rules) as EscalationRule[]
  const names = await recipientNames(db, rules)
  const view: OpsgenieEscalation = {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerTeam: { id: row.team_id, name: row.team_name },
    rules: rules.map((r) => {
      const recipient: OpsgenieRuleOut['recipient'] = { type: r.recipient.type, id: r.recipient.id }
      const name = names.get(`${r.recipient.type}:${r.recipient.id}`)
      if (name !== undefined) {
        if (r.recipient.type === 'user') recipient.username = name
        else recipient.name = name
      }
      return {
        condition: r.condition,
        notifyType: r.notifyType,
        delay: { timeAmount: r.delayMinutes, timeUnit: 'minutes' },
        recipient,
      }
    }),
  }
  if (row.repeat !== null) {
    const rp = JSON.parse(row.repeat) as EscalationRepeat
    view.repeat = {
      waitInterval: rp.waitIntervalMinutes,
      count: rp.count,
      resetRecipientStates: rp.resetRecipientStates,
      closeAlertAfterAll: rp.closeAlertAfterAll,
    }
  }
  return view
}
