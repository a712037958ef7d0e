import { join } from 'node:path'
import { type DeliveryConfig, loadDeliveryConfig } from './delivery/config'
import { envIntReader } from './env-int'

/** Everything the executable reads from the environment (documented in README). */
export interface ServerConfig {
  host: string
  port: number
  dataDir: string
  databaseUrl?: string
  logLevel: string
  adminEmail: string
  adminPassword?: string
  bootstrapApiKey?: string
  bodyLimit: number
  /** Default per-key requests per minute when an integration sets none. */
  keyRateLimitPerMinute: number
  /** Session lifetime in milliseconds. */
  sessionTtlMs: number
  /** Seed demo alerts into an empty store (npm start sets it). */
  demo: boolean
  /** How long request statuses (GET /v2/alerts/requests/{id}) are kept, in milliseconds. */
  requestRetentionMs: number
  /**
   * Longest pause of the escalation engine between looks for due runs, in milliseconds (it also wakes at
   * the earliest due run and after writes); 0 runs no engine in this process. Default 500.
   */
  escalationIntervalMs?: number
  /** Notification delivery (SMTP, webhooks, Twilio, desktop receipts, rate limits); defaults when absent. */
  delivery?: DeliveryConfig
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads and checks the environment; returns every problem at once rather than the first. */
export function loadConfig(
  env: NodeJS.ProcessEnv,
): { ok: true; config: ServerConfig } | { ok: false; errors: string[] } {
  const errors: string[] = []
  const int = envIntReader(env, errors)
  const logLevel = env.VIGIL_LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) errors.push(`VIGIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  const databaseUrl = env.VIGIL_DATABASE_URL || undefined
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    errors.push('VIGIL_DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)')
  }
  const bootstrapApiKey = env.VIGIL_BOOTSTRAP_API_KEY || undefined
  if (bootstrapApiKey && bootstrapApiKey.length < 16) {
    errors.push('VIGIL_BOOTSTRAP_API_KEY must be at least 16 characters')
  }
  const config: ServerConfig = {
    host: env.VIGIL_HOST || '127.0.0.1',
    port: int('VIGIL_PORT', 8080, 0, 65535),
    dataDir: env.VIGIL_DATA_DIR || join(process.cwd(), '.data'),
    databaseUrl,
    logLevel,
    adminEmail: env.VIGIL_ADMIN_EMAIL || 'admin@vigil.local',
    adminPassword: env.VIGIL_ADMIN_PASSWORD || undefined,
    bootstrapApiKey,
    bodyLimit: int('VIGIL_BODY_LIMIT', 256 * 1024, 1024, 64 * 1024 * 1024),
    keyRateLimitPerMinute: int('VIGIL_KEY_RATE_LIMIT', 60_000, 1, 1_000_000_000),
    sessionTtlMs: int('VIGIL_SESSION_TTL_HOURS', 12, 1, 24 * 365) * 3600_000,
    demo: env.VIGIL_DEMO === '1' || env.VIGIL_DEMO === 'true',
    requestRetentionMs: int('VIGIL_REQUEST_RETENTION_HOURS', 48, 1, 24 * 90) * 3600_000,
    escalationIntervalMs: int('VIGIL_ESCALATION_INTERVAL_MS', 500, 0, 60_000),
    delivery: loadDeliveryConfig(env, errors),
  }
  return errors.length ? { ok: false, errors } : { ok: true, config }
}
