import { Duration } from 'luxon'
import { cut, type NormalizedAlert, normalizeDetails } from '../alerts/normalize'
import { matchesCriteria } from '../criteria/evaluate'
import { ALERT_LIMITS as L } from '../model/limits'
import type { Recipient } from '../model/recipient'
import type { AlertPolicy } from '../model/routing'
import { withinRestriction } from './route'

/** What the alert policies did to an alert at creation. */
export interface PolicyOutcome {
  alert: NormalizedAlert
  /** True when an applied policy suppresses notifications (the alert is still created and routed). */
  suppressed: boolean
  /** Close the alert this long after creation; the shortest of the applied policies' auto-close. */
  autoCloseAfterMs?: number
  /** Names of the applied policies, in order, for the alert log. */
  applied: string[]
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g

/**
 * Fills `{{message}}`, `{{alias}}`, `{{description}}`, `{{source}}`, `{{entity}}`, `{{priority}}`,
 * `{{user}}`, `{{tags}}` / `{{actions}}` (comma-separated) and `{{details.KEY}}` / `{{extraProperties.KEY}}`
 * from the alert. Unknown placeholders stay as written, so a typo is visible in the result instead of
 * silently becoming empty; a missing detail key renders as empty.
 */
export function renderTemplate(template: string, alert: NormalizedAlert): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const dot = name.indexOf('.')
    if (dot > 0) {
      const head = name.slice(0, dot)
      if (head !== 'details' && head !== 'extraProperties') return whole
      const key = name.slice(dot + 1)
      return Object.hasOwn(alert.details, key) ? (alert.details[key] as string) : ''
    }
    switch (name) {
      case 'message':
        return alert.message
      case 'alias':
        return alert.alias ?? ''
      case 'description':
        return alert.description
      case 'source':
        return alert.source
      case 'entity':
        return alert.entity
      case 'priority':
        return alert.priority
      case 'user':
        return alert.user
      case 'tags':
        return alert.tags.join(', ')
      case 'actions':
        return alert.actions.join(', ')
      default:
        return whole
    }
  })
}

function mergeList(base: readonly string[], extra: readonly string[], maxLength: number): string[] {
  const out: string[] = []
  for (const raw of [...base, ...extra]) {
    const v = cut(raw.trim(), maxLength)
    if (v && !out.includes(v)) out.push(v)
  }
  return out
}

const recipientKey = (r: Recipient) =>
  [r.type.toLowerCase(), r.id ?? '', r.name ?? '', r.username ?? ''].join('\u0000')

/** One policy's changes to the alert; `notices` collects what had to be cut to fit Opsgenie's limits. */
function modify(p: AlertPolicy, a: NormalizedAlert, notices: string[]): NormalizedAlert {
  const next: NormalizedAlert = { ...a, notices: a.notices }
  const text = (t: string | undefined, max: number) =>
    t === undefined ? undefined : cut(renderTemplate(t, a), max)
  const message = text(p.message, L.message)
  if (message !== undefined && message.trim() !== '') next.message = message
  const alias = text(p.alias, L.alias)
  if (alias !== undefined) next.alias = alias.trim() === '' ? undefined : alias
  const description = text(p.description, L.description)
  if (description !== undefined) next.description = description
  const entity = text(p.entity, L.entity)
  if (entity !== undefined) next.entity = entity
  const source = text(p.source, L.source)
  if (source !== undefined && source.trim() !== '') next.source = source
  if (p.priority) next.priority = p.priority
  const ignore = p.ignoreOriginal ?? {}
  if (p.tags) {
    const tags = mergeList(ignore.tags ? [] : a.tags, p.tags, L.tagLength)
    if (tags.length > L.tagCount) notices.push(`policy '${p.name}': tags beyond ${L.tagCount} dropped`)
    next.tags = tags.slice(0, L.tagCount)
  }
  if (p.actions) {
    const actions = mergeList(ignore.actions ? [] : a.actions, p.actions, L.actionLength)
    if (actions.length > L.actionCount)
      notices.push(`policy '${p.name}': actions beyond ${L.actionCount} dropped`)
    next.actions = actions.slice(0, L.actionCount)
  }
  if (p.details) {
    const rendered = Object.fromEntries(Object.entries(p.details).map(([k, v]) => [k, renderTemplate(v, a)]))
    const details = normalizeDetails({ ...(ignore.details ? {} : a.details), ...rendered })
    if (details.ok) next.details = details.value
    else notices.push(`policy '${p.name}': details not changed (over ${L.detailsTotal} characters)`)
  }
  if (p.responders) {
    const seen = new Set<string>()
    next.responders = [...(ignore.responders ? [] : a.responders), ...p.responders].filter((r) => {
      const k = recipientKey(r)
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
  }
  return next
}

/**
 * Applies org alert policies to a new alert at `instant` (epoch ms). Enabled policies are tried by
 * `order` (ties keep list order); a policy applies when its filter matches the alert *as modified so
 * far* and its time restriction (in its timezone, UTC by default) contains the instant. The walk stops
 * after the first applied policy unless that policy has `continue` (Opsgenie: "at most one policy ...
 * if Continue to Next Policy is not enabled"). Policies switched off by maintenance should be left out
 * by the caller. The input alert is not modified.
 */
export function applyAlertPolicies(
  policies: readonly AlertPolicy[],
  alert: NormalizedAlert,
  instant: number,
): PolicyOutcome {
  const ordered = policies
    .map((p, i) => ({ p, i }))
    .filter((x) => x.p.enabled)
    .sort((a, b) => a.p.order - b.p.order || a.i - b.i)
  const notices = [...alert.notices]
  let current: NormalizedAlert = { ...alert, notices }
  let suppressed = false
  let autoCloseAfterMs: number | undefined
  const applied: string[] = []
  for (const { p } of ordered) {
    if (!withinRestriction(p.timeRestriction, p.timezone ?? 'UTC', instant)) continue
    if (!matchesCriteria(p.filter, current)) continue
    current = modify(p, current, notices)
    applied.push(p.name)
    if (p.suppress) suppressed = true
    if (p.autoCloseAfterMinutes !== undefined) {
      const ms = Duration.fromObject({ minutes: p.autoCloseAfterMinutes }).toMillis()
      autoCloseAfterMs = autoCloseAfterMs === undefined ? ms : Math.min(autoCloseAfterMs, ms)
    }
    if (!p.continue) break
  }
  return autoCloseAfterMs === undefined
    ? { alert: current, suppressed, applied }
    : { alert: current, suppressed, autoCloseAfterMs, applied }
}
