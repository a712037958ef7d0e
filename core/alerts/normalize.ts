import { parsePriority } from '../integrations/priority'
import { clip } from '../integrations/text'
import type { CreateAlertPayload, Priority } from '../model/alert'
import { ALERT_LIMITS as L } from '../model/limits'
import type { Recipient } from '../model/recipient'

/** Cuts a string to at most `max` code points with no marker, as Opsgenie truncates fields. */
export const cut = clip

/** A create request cut to Opsgenie's limits and filled with defaults, ready to be written. */
export interface NormalizedAlert {
  message: string
  alias?: string
  description: string
  responders: Recipient[]
  visibleTo: Recipient[]
  actions: string[]
  tags: string[]
  details: Record<string, string>
  entity: string
  source: string
  priority: Priority
  user: string
  note?: string
  /** What normalisation changed, for the alert's log ("priority 'urgent' is not P1–P5; P3 used"). */
  notices: string[]
}

export type Normalized<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> }

/** Stringifies a detail value the way clients expect to read it back. */
export function detailValue(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/** Checks and trims tags: at most 20, each cut to 50 characters, blanks and repeats dropped. */
export function normalizeTags(tags: readonly string[], field = 'tags'): Normalized<string[]> {
  const out: string[] = []
  for (const t of tags) {
    const tag = cut(t.trim(), L.tagLength)
    if (tag && !out.includes(tag)) out.push(tag)
  }
  if (out.length > L.tagCount) {
    return { ok: false, errors: { [field]: `at most ${L.tagCount} tags are allowed (got ${out.length})` } }
  }
  return { ok: true, value: out }
}

/** Checks details: string values, keys and values together at most 8,000 characters. */
export function normalizeDetails(
  details: Record<string, unknown>,
  field = 'details',
): Normalized<Record<string, string>> {
  const out: Record<string, string> = {}
  let total = 0
  for (const [k, v] of Object.entries(details)) {
    const value = detailValue(v)
    out[k] = value
    total += k.length + value.length
  }
  if (total > L.detailsTotal) {
    return {
      ok: false,
      errors: {
        [field]: `keys and values may hold at most ${L.detailsTotal} characters in total (got ${total})`,
      },
    }
  }
  return { ok: true, value: out }
}

function normalizeRecipients(
  list: readonly Recipient[] | undefined,
  field: string,
  errors: Record<string, string>,
) {
  const out: Recipient[] = []
  for (const [i, r] of (list ?? []).entries()) {
    const type = r.type.toLowerCase()
    if (!['team', 'user', 'escalation', 'schedule'].includes(type)) {
      errors[`${field}[${i}].type`] = `must be team, user, escalation or schedule (got '${r.type}')`
      continue
    }
    if (!r.id && !r.name && !r.username) {
      errors[`${field}[${i}]`] = 'needs one of id, name or username'
      continue
    }
    const rec: Recipient = { type }
    if (r.id) rec.id = cut(r.id, 512)
    if (r.name) rec.name = cut(r.name, 512)
    if (r.username) rec.username = cut(r.username, 512)
    out.push(rec)
  }
  return out
}

/**
 * Applies Opsgenie's create semantics: strings cut to their limits, priority defaulting to P3, source
 * defaulting to the caller's address. Only what cannot be repaired without losing meaning is an error.
 */
export function normalizeCreate(
  p: CreateAlertPayload,
  defaults: { source: string; user: string },
): Normalized<NormalizedAlert> {
  const errors: Record<string, string> = {}
  const notices: string[] = []
  const tags = normalizeTags(p.tags ?? [])
  if (!tags.ok) Object.assign(errors, tags.errors)
  const details = normalizeDetails(p.details ?? {})
  if (!details.ok) Object.assign(errors, details.errors)
  const actions: string[] = []
  for (const a of p.actions ?? []) {
    const action = cut(a.trim(), L.actionLength)
    if (action && !actions.includes(action)) actions.push(action)
  }
  let priority: Priority = 'P3'
  if (p.priority !== undefined && p.priority.trim() !== '') {
    const parsed = parsePriority(p.priority)
    if (parsed) priority = parsed
    else notices.push(`priority '${cut(p.priority, 20)}' is not one of P1–P5; P3 used`)
  }
  const responders = normalizeRecipients(p.responders, 'responders', errors)
  const visibleTo = normalizeRecipients(p.visibleTo, 'visibleTo', errors)
  if (Object.keys(errors).length > 0) return { ok: false, errors }

  const message = cut(p.message.trim(), L.message)
  if (message !== p.message.trim()) notices.push(`message cut to ${L.message} characters`)
  const alias = p.alias?.trim() ? cut(p.alias.trim(), L.alias) : undefined
  return {
    ok: true,
    value: {
      message: message || '(no message)',
      alias,
      description: cut(p.description ?? '', L.description),
      responders,
      visibleTo,
      actions,
      tags: tags.ok ? tags.value : [],
      details: details.ok ? details.value : {},
      entity: cut(p.entity ?? '', L.entity),
      source: cut(p.source?.trim() || defaults.source, L.source),
      priority,
      user: cut(p.user?.trim() || defaults.user, L.user),
      note: p.note?.trim() ? cut(p.note, L.note) : undefined,
      notices,
    },
  }
}
