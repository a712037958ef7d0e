/** Opsgenie's field limits (notes/opsgenie-api.md §2.2). Strings past a limit are cut, as Opsgenie does. */
export const ALERT_LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  entity: 512,
  source: 100,
  user: 100,
  note: 25_000,
  tagLength: 50,
  tagCount: 20,
  actionLength: 50,
  actionCount: 10,
  detailsTotal: 8_000,
  recipients: 50,
} as const

/** Largest request body accepted, in bytes (answered 413 past it). */
export const DEFAULT_BODY_LIMIT = 256 * 1024
