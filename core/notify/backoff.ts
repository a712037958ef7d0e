/** Retry timing for temporary delivery failures. Pure: the caller supplies the random draw. */

/** Retry policy: the first retry waits about `baseMs`, each next one twice as long, capped at `maxMs`. */
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
  /** Attempts in all (the first send included); after the last, a temporary failure is final. */
  maxAttempts: number
}

/** Vigil's default: 30 s, 1 min, 2 min, 4 min, 8 min, then give up (6 attempts, about 15 minutes). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 6 }

/**
 * How long to wait before attempt `attempt + 1` after `attempt` failed (attempt counts from 1), with
 * "equal jitter": half the exponential delay fixed, half random, so retries of many deliveries that failed
 * together (an SMTP server restarting) spread out instead of returning at once. `random` is in [0, 1).
 */
export function retryDelayMs(policy: BackoffPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + (exp / 2) * Math.min(Math.max(random, 0), 1))
}

/** True when a temporary failure of attempt `attempt` should be retried. */
export function shouldRetry(policy: BackoffPolicy, attempt: number): boolean {
  return attempt < policy.maxAttempts
}
