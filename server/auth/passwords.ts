import { argon2id, hash, verify } from 'argon2'
import { randomToken } from './tokens'

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong against GPUs, ~20 ms per login here.
const OPTIONS = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** Hashes a password with argon2id; the result embeds its salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

/** True when the password matches the stored argon2 hash; a malformed hash never matches. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the time of a real verification when there is no hash to check (unknown user, no password),
 * so a failed login takes as long whether or not the username exists.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomToken(16))
  await verifyPassword(await dummyHash, password)
  return false
}

/** A strong password for the first owner when none is configured (32 base64url characters, 192 bits). */
export function generatePassword(): string {
  return randomToken(24)
}
