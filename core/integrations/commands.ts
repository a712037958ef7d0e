import type { CreateAlertPayload } from '../model/alert'

/** Fields a close or acknowledge command may carry, as the Opsgenie action body does. */
export interface ActionFields {
  user?: string
  source?: string
  note?: string
}

/** One internal alert command produced from an inbound payload; the ingest pipeline applies them in order. */
export type InboundCommand =
  | { kind: 'create'; payload: CreateAlertPayload }
  | ({ kind: 'close'; alias: string } & ActionFields)
  | ({ kind: 'acknowledge'; alias: string } & ActionFields)

/** A mapping failure, shaped like Opsgenie's error envelope (`message` plus per-field `errors`). */
export interface MapFailure {
  ok: false
  status: 400 | 422
  message: string
  errors: Record<string, string>
}

/** What every mapper returns: the commands, or a failure value (mappers never throw). */
export type MapResult = { ok: true; commands: InboundCommand[] } | MapFailure

/** Per-integration options every mapper accepts. */
export interface MapOptions {
  /** Prepended to every alias so integrations sharing an account do not dedup each other's alerts. */
  aliasPrefix?: string
}

/** Wraps commands in a success result. */
export function mapped(commands: InboundCommand[]): MapResult {
  return { ok: true, commands }
}

// Enough to point at every problem in a realistic payload while keeping a hostile one's answer small.
const MAX_REPORTED_ERRORS = 20

/**
 * Builds a failure. Unless `summary` already says it all (`complete`), the message also names the first problem,
 * so logs that drop `errors` stay useful.
 */
export function failure(
  status: 400 | 422,
  summary: string,
  errors: Record<string, string> = {},
  complete = false,
): MapFailure {
  const keys = Object.keys(errors)
  const kept = Object.fromEntries(keys.slice(0, MAX_REPORTED_ERRORS).map((k) => [k, errors[k] ?? '']))
  const first = keys[0]
  let message = summary
  if (first !== undefined && !complete) {
    message += `: ${first ? `${first}: ` : ''}${errors[first]}`
    if (keys.length > 1) message += ` (and ${keys.length - 1} more)`
  }
  return { ok: false, status, message, errors: kept }
}
