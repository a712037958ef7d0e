/** Alert policies in Opsgenie's words: the API body, its mapping to core's AlertPolicy, and the view. */
import { type Static, Type } from '@sinclair/typebox'
import { addError, type FieldErrors } from '../../core/criteria/errors'
import type { Priority } from '../../core/model/alert'
import type { Criteria } from '../../core/model/criteria'
import type { Recipient } from '../../core/model/recipient'
import type { AlertPolicy, IgnoreOriginal } from '../../core/model/routing'
import type { TimeRestriction } from '../../core/model/time-restriction'
import type { AlertPoliciesTable } from '../store/schema'
import { policyFromRow } from './store'

// Filter, time restrictions, responders and the rest are checked by core's validateAlertPolicy.
/** Opsgenie's policy body (POST and PUT /v2/policies). */
export const PolicyBody = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 20 })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    policyDescription: Type.Optional(Type.String({ maxLength: 512 })),
    enabled: Type.Optional(Type.Boolean()),
    filter: Type.Optional(Type.Unknown()),
    timeRestrictions: Type.Optional(Type.Unknown()),
    // Vigil extension: the zone the time restrictions are read in (UTC by default).
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    message: Type.String({ maxLength: 1000 }),
    alias: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    entity: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    actions: Type.Optional(Type.Array(Type.String())),
    responders: Type.Optional(Type.Array(Type.Unknown())),
    tags: Type.Optional(Type.Array(Type.String())),
    details: Type.Optional(Type.Record(Type.String(), Type.String())),
    priority: Type.Optional(Type.String()),
    continue: Type.Optional(Type.Boolean()),
    ignoreOriginalActions: Type.Optional(Type.Boolean()),
    ignoreOriginalDetails: Type.Optional(Type.Boolean()),
    ignoreOriginalResponders: Type.Optional(Type.Boolean()),
    ignoreOriginalTags: Type.Optional(Type.Boolean()),
    ignoreOriginalTeams: Type.Optional(Type.Boolean()),
    // Vigil extensions (core's AlertPolicy): hold notifications, close the alert after a while.
    suppress: Type.Optional(Type.Boolean()),
    autoCloseAfterMinutes: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
)
export type PolicyBody = Static<typeof PolicyBody>

/** An alert policy as Opsgenie shows it (plus teamId, null for global policies). */
export type PolicyView = Record<string, unknown> & { id: string; name: string }

const IGNORE: ReadonlyArray<[keyof IgnoreOriginal, keyof PolicyBody]> = [
  ['actions', 'ignoreOriginalActions'],
  ['details', 'ignoreOriginalDetails'],
  ['responders', 'ignoreOriginalResponders'],
  ['tags', 'ignoreOriginalTags'],
]

/** Opsgenie's policy body as core's AlertPolicy (id, order and enabled come from the caller). */
export function fromOpsgenie(b: PolicyBody, id: string, order: number, enabled: boolean): AlertPolicy {
  const p: AlertPolicy = {
    id,
    name: b.name.trim(),
    enabled,
    order,
    filter: (b.filter ?? { type: 'match-all' }) as Criteria,
    message: b.message,
  }
  if (b.timeRestrictions !== undefined && b.timeRestrictions !== null)
    p.timeRestriction = b.timeRestrictions as TimeRestriction
  if (b.timezone !== undefined) p.timezone = b.timezone
  for (const k of ['alias', 'description', 'entity', 'source'] as const) if (b[k] !== undefined) p[k] = b[k]
  if (b.priority !== undefined) p.priority = b.priority as Priority
  if (b.tags !== undefined) p.tags = b.tags
  if (b.actions !== undefined) p.actions = b.actions
  if (b.details !== undefined) p.details = b.details
  if (b.responders !== undefined) p.responders = b.responders as Recipient[]
  const ignore: IgnoreOriginal = {}
  for (const [k, field] of IGNORE) if (b[field] === true) ignore[k] = true
  if (Object.keys(ignore).length) p.ignoreOriginal = ignore
  if (b.continue) p.continue = true
  if (b.suppress) p.suppress = true
  if (b.autoCloseAfterMinutes !== undefined) p.autoCloseAfterMinutes = b.autoCloseAfterMinutes
  return p
}

/** Core's field names in Opsgenie's words. */
export function opsgenieKeys(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {}
  for (const [k, m] of Object.entries(errors)) {
    let key = k.replace(/^timeRestriction\b/, 'timeRestrictions')
    const ignore = /^ignoreOriginal\.(\w+)/.exec(k)
    if (ignore?.[1]) key = `ignoreOriginal${ignore[1][0]?.toUpperCase()}${ignore[1].slice(1)}`
    addError(out, key, m)
  }
  return out
}

/** A stored policy as Opsgenie shows it. */
export function view(row: AlertPoliciesTable): PolicyView {
  const p = policyFromRow(row)
  const v: PolicyView = {
    id: p.id,
    type: 'alert',
    name: p.name,
    policyDescription: row.description,
    enabled: p.enabled,
    order: p.order,
    teamId: row.team_id,
    filter: p.filter,
  }
  if (p.timeRestriction) v.timeRestrictions = p.timeRestriction
  if (p.timezone !== undefined) v.timezone = p.timezone
  for (const k of ['message', 'alias', 'description', 'entity', 'source', 'priority'] as const)
    if (p[k] !== undefined) v[k] = p[k]
  for (const k of ['tags', 'actions', 'details', 'responders'] as const) if (p[k] !== undefined) v[k] = p[k]
  v.continue = p.continue === true
  for (const [k, field] of IGNORE) (v as Record<string, unknown>)[field] = p.ignoreOriginal?.[k] === true
  v.ignoreOriginalTeams = false
  if (p.suppress) v.suppress = true
  if (p.autoCloseAfterMinutes !== undefined) v.autoCloseAfterMinutes = p.autoCloseAfterMinutes
  return v
}
