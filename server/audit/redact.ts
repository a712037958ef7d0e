/** What a redacted value is replaced with: the field stays visible, so readers know something was there. */
export const REDACTED = '[redacted]'

/**
 * Field names whose values are never written to the audit log, compared lower-case with `_`, `-` and
 * spaces removed (so `password_hash`, `passwordHash` and `Password-Hash` all match `passwordhash`).
 * Exact names rather than substrings: `hasPassword`, `keyHint` and `passwordChanged` are not secrets.
 */
export const DENIED_FIELDS: ReadonlySet<string> = new Set([
  'password',
  'passwordhash',
  'currentpassword',
  'newpassword',
  'apikey',
  'key',
  'keyhash',
  'token',
  'tokenhash',
  'sessiontoken',
  'accesstoken',
  'refreshtoken',
  'secret',
  'clientsecret',
  'privatekey',
  'authorization',
  'geniekey',
])

// A second net for secrets under an unexpected name: argon2 hashes, Vigil keys, SHA-256 hex digests (how
// key and session hashes are stored) and credentials pasted with their scheme.
const SECRET_VALUES: readonly RegExp[] = [
  /\$argon2(id|i|d)\$/i,
  /vgk_[A-Za-z0-9_-]{16,}/,
  /^[0-9a-f]{64}$/i,
  /^(Bearer|GenieKey)\s+\S/i,
]

// Snapshots are small documents; anything nested deeper is not worth keeping and may be a cycle.
const MAX_DEPTH = 16

/** True when a field of this name must never be logged. */
export function isDeniedField(name: string): boolean {
  return DENIED_FIELDS.has(name.toLowerCase().replace(/[\s_-]/g, ''))
}

/** True when a string looks like a secret whatever field it sits in. */
export function looksSecret(value: string): boolean {
  return SECRET_VALUES.some((re) => re.test(value))
}

/**
 * A copy of a JSON-like value with every denied field and every secret-looking string replaced by
 * REDACTED, at any depth. Non-JSON values (functions, symbols, undefined) are dropped like JSON.stringify.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return looksSecret(value) ? REDACTED : value
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return REDACTED
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  if (value instanceof Date) return value.toISOString()
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    out[k] = isDeniedField(k) ? REDACTED : redact(v, depth + 1)
  }
  return out
}
