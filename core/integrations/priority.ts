import type { Priority } from '../model/alert'
import { own } from './text'

// Severity words seen in Prometheus rule sets and Grafana labels, folded to Opsgenie priorities.
const SEVERITY: Record<string, Priority> = {
  critical: 'P1',
  crit: 'P1',
  fatal: 'P1',
  emergency: 'P1',
  error: 'P2',
  high: 'P2',
  major: 'P2',
  warning: 'P3',
  warn: 'P3',
  medium: 'P3',
  moderate: 'P3',
  info: 'P4',
  informational: 'P4',
  low: 'P4',
  minor: 'P4',
  none: 'P5',
  debug: 'P5',
}

/** `P1`…`P5` or `1`…`5` (any case, surrounding spaces ignored) as a priority; anything else is undefined. */
export function parsePriority(value: unknown): Priority | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const m = /^p?([1-5])$/i.exec(String(value).trim())
  return m ? (`P${m[1]}` as Priority) : undefined
}

/** A severity word (critical, error, warning, info, debug and common synonyms) as a priority. */
export function severityPriority(value: unknown): Priority | undefined {
  if (typeof value !== 'string') return undefined
  const key = value.trim().toLowerCase()
  return Object.hasOwn(SEVERITY, key) ? SEVERITY[key] : undefined
}

/**
 * Priority from labels: the first of `priorityKeys` holding P1..P5 or 1..5 wins, else the `severity` label's word;
 * unknown values leave the priority unset so the API's default (P3) applies.
 */
export function labelPriority(
  labels: Record<string, string>,
  priorityKeys: readonly string[] = ['priority'],
): Priority | undefined {
  for (const key of priorityKeys) {
    const p = parsePriority(own(labels, key))
    if (p) return p
  }
  return severityPriority(own(labels, 'severity'))
}
