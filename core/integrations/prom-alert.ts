import type { CreateAlertPayload } from '../model/alert'
import { ALERT_LIMITS as L } from '../model/limits'
import type { InboundCommand } from './commands'
import { labelPriority } from './priority'
import { clip, cut, firstText, labelTags, limitDetails, orderedLabels, own, singleLine } from './text'

/*
 * The Alertmanager alert object (labels, annotations, fingerprint, generatorURL) is shared by Alertmanager's
 * webhook and Grafana's, so both mappers turn a single alert into a command here.
 */

/** One Alertmanager-style alert, already checked for shape. */
export interface PromAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  fingerprint: string
  generatorURL?: string
}

/** An alert as the schemas admit it: label maps may be null (Go's nil map) or missing. */
export interface LoosePromAlert {
  labels?: Record<string, string> | null
  annotations?: Record<string, string> | null
  fingerprint: string
  generatorURL?: string
}

/** Normalises a schema-checked alert: missing or null label maps become empty ones. */
export function promAlert(a: LoosePromAlert): PromAlert {
  return {
    labels: a.labels ?? {},
    annotations: a.annotations ?? {},
    fingerprint: a.fingerprint,
    generatorURL: a.generatorURL,
  }
}

/** Keeps the entries whose value is a non-empty string, for optional metadata details. */
export function presentDetails(entries: readonly (readonly [string, unknown])[]): [string, string][] {
  return entries.filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
}

/** How one sender's alerts differ: where the source comes from, which labels carry priority, extra links. */
export interface PromAlertContext {
  aliasPrefix?: string
  externalURL?: string
  /** Labels holding an explicit P1..P5 / 1..5 priority, tried before the `severity` word. */
  priorityKeys: readonly string[]
  /** `[label, url]` lines appended to the description; empty URLs are skipped. */
  links: readonly (readonly [string, string | undefined])[]
  /** Details after the labels and annotations (lowest priority when the 8 000 total is reached). */
  extraDetails: readonly (readonly [string, unknown])[]
}

/** Host of an absolute URL, or undefined (Prometheus generatorURLs can be relative when unconfigured). */
export function urlHost(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).host || undefined
  } catch {
    return undefined
  }
}

/** The alias an alert deduplicates on: the optional prefix plus the fingerprint, clipped to 512. */
export function promAlias(alert: PromAlert, aliasPrefix = ''): string {
  return clip(aliasPrefix + alert.fingerprint, L.alias)
}

/** Where an alert came from: the sender's external URL, else its generator's host. */
export function promSource(alert: PromAlert, externalURL: string | undefined): string | undefined {
  const s = firstText(externalURL) ?? urlHost(alert.generatorURL)
  return s === undefined ? undefined : cut(s, L.source)
}

/**
 * One-line title: the summary (else `message` or `title` annotation), else "alertname (instance)", cut to 130
 * code points. Whitespace is collapsed because multi-line summaries are common and titles are one line.
 */
export function promMessage(alert: PromAlert): string {
  const { labels, annotations } = alert
  const annotated = firstText(
    own(annotations, 'summary'),
    own(annotations, 'message'),
    own(annotations, 'title'),
  )
  let text = annotated === undefined ? '' : singleLine(annotated)
  if (text === '') {
    const name = firstText(own(labels, 'alertname'))
    const instance = firstText(own(labels, 'instance'))
    if (name && instance) text = `${singleLine(name)} (${singleLine(instance)})`
    else text = singleLine(name ?? instance ?? `Alert ${alert.fingerprint}`)
  }
  return cut(text, L.message)
}

function promDescription(alert: PromAlert, links: PromAlertContext['links']): string | undefined {
  const parts: string[] = []
  const text = firstText(own(alert.annotations, 'description'))
  if (text !== undefined) parts.push(text.trim())
  const lines = links
    .filter(([, url]) => firstText(url) !== undefined)
    .map(([label, url]) => `${label}: ${url}`)
  if (lines.length > 0) parts.push(lines.join('\n'))
  return parts.length === 0 ? undefined : cut(parts.join('\n\n'), L.description)
}

/** The create payload for a firing alert, within Opsgenie's limits. */
export function promCreatePayload(alert: PromAlert, ctx: PromAlertContext): CreateAlertPayload {
  const { labels, annotations } = alert
  // Annotations are prefixed so a label and an annotation of the same name (often `description`) both survive.
  const annotationEntries = orderedLabels(annotations, ['summary', 'description', 'runbook_url']).map(
    ([k, v]) => [`annotation.${k}`, v] as const,
  )
  const payload: CreateAlertPayload = {
    message: promMessage(alert),
    alias: promAlias(alert, ctx.aliasPrefix),
    tags: labelTags(labels),
    details: limitDetails([...orderedLabels(labels), ...annotationEntries, ...ctx.extraDetails]),
  }
  const description = promDescription(alert, ctx.links)
  if (description !== undefined) payload.description = description
  const priority = labelPriority(labels, ctx.priorityKeys)
  if (priority) payload.priority = priority
  const source = promSource(alert, ctx.externalURL)
  if (source !== undefined) payload.source = source
  const entity = firstText(own(labels, 'instance'))
  if (entity !== undefined) payload.entity = cut(entity, L.entity)
  return payload
}

/** A firing alert becomes a create, anything resolved a close by the same alias. */
export function promAlertCommand(alert: PromAlert, firing: boolean, ctx: PromAlertContext): InboundCommand {
  if (firing) return { kind: 'create', payload: promCreatePayload(alert, ctx) }
  const close: InboundCommand = { kind: 'close', alias: promAlias(alert, ctx.aliasPrefix) }
  const source = promSource(alert, ctx.externalURL)
  if (source !== undefined) close.source = source
  return close
}
