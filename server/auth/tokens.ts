import { createHash, randomBytes } from 'node:crypto'

/** Prefix of integration keys, so a leaked key is recognisable (secret scanners, logs). */
export const KEY_PREFIX = 'vgk_'

/** `bytes` random bytes as base64url (32 bytes = 256 bits = 43 characters). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A new session token (256 bits); only its hash is stored. */
export function newSessionToken(): string {
  return randomToken(32)
}

/** A new integration key: `vgk_` + 256 random bits; only its hash is stored. */
export function newIntegrationKey(): string {
  return KEY_PREFIX + randomToken(32)
}

/**
 * SHA-256 hex of a token or key, the form stored and looked up. The values carry ≥128 random bits, so
 * nobody can guess a preimage and a slow password hash would only cost latency on every request.
 */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex')
}

/** The first characters of a key, shown to admins to tell keys apart; too short to help an attacker. */
export function keyHint(key: string): string {
  const head = key.startsWith(KEY_PREFIX) ? KEY_PREFIX.length + 4 : 4
  return `${key.slice(0, head)}…`
}
