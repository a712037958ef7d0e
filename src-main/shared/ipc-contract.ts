// The one contract between main, preload and renderer. Std-only on purpose: no `electron`, no `node:*`,
// no DOM, so the sandboxed preload bundle and the renderer can both import it. Shared types from core
// come in with `import type` only, so no runtime code (typebox) leaks into the preload.
import type { Priority } from '../../core/model/alert'

/** IPC channel names; renderer → main channels are invoke/handle, `deepLink` is main → renderer. */
export const IPC = {
  getServerUrl: 'vigil:get-server-url',
  notify: 'vigil:notify',
  deepLink: 'vigil:deep-link',
} as const

/** Channels the renderer may invoke (each needs exactly one main-process handler). */
export const INVOKE_CHANNELS = [IPC.getServerUrl, IPC.notify] as const
export type InvokeChannel = (typeof INVOKE_CHANNELS)[number]

// Kept local (not imported from core) so the preload bundle stays free of typebox; the `satisfies`
// makes the compiler fail if core's priorities ever change.
export const ALERT_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const satisfies readonly Priority[]

/** The alert summary the renderer asks main to show as a native notification. */
export interface AlertNotice {
  id: string
  message: string
  priority: Priority
  description?: string
}

/** What `notify` answers: whether the OS notification was actually shown. */
export interface NotifyResult {
  shown: boolean
}

/** Routes a `vigil://` deep link may open; parsed and allowlisted in main before reaching the page. */
export type DeepLinkRoute = { kind: 'alert'; id: string } | { kind: 'home' }

/** The API the preload exposes as `window.vigil`: task-level functions only, never raw IPC. */
export interface VigilApi {
  getServerUrl(): Promise<string>
  notify(alert: AlertNotice): Promise<NotifyResult>
  onDeepLink(callback: (route: DeepLinkRoute) => void): () => void
}

/** Argument types and results per invoke channel; the main-process registry is typed from this. */
export interface InvokeContract {
  [IPC.getServerUrl]: { args: []; result: string }
  [IPC.notify]: { args: [AlertNotice]; result: NotifyResult }
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string }

// Limits keep a hostile or buggy page from pushing huge strings into OS notification daemons.
export const LIMITS = { id: 128, message: 256, description: 1024 } as const
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Checks an alert id: non-empty, bounded, URL- and log-safe characters only. */
export function isAlertId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.id && ID_PATTERN.test(v)
}

/** Validates and copies an untrusted `AlertNotice` (unknown keys are dropped, not passed on). */
export function validateAlertNotice(v: unknown): Validation<AlertNotice> {
  if (!isRecord(v)) return { ok: false, error: 'alert must be an object' }
  if (!isAlertId(v.id))
    return { ok: false, error: `alert.id must match ${ID_PATTERN} (1-${LIMITS.id} chars)` }
  if (typeof v.message !== 'string' || v.message.trim() === '' || v.message.length > LIMITS.message) {
    return { ok: false, error: `alert.message must be a non-empty string of at most ${LIMITS.message} chars` }
  }
  if (!ALERT_PRIORITIES.includes(v.priority as Priority)) {
    return { ok: false, error: `alert.priority must be one of ${ALERT_PRIORITIES.join(', ')}` }
  }
  if (
    v.description !== undefined &&
    (typeof v.description !== 'string' || v.description.length > LIMITS.description)
  ) {
    return { ok: false, error: `alert.description must be a string of at most ${LIMITS.description} chars` }
  }
  const value: AlertNotice = { id: v.id, message: v.message, priority: v.priority as Priority }
  if (typeof v.description === 'string') value.description = v.description
  return { ok: true, value }
}

/** Validates a deep-link route received over IPC (the renderer trusts nothing it did not check). */
export function validateDeepLinkRoute(v: unknown): Validation<DeepLinkRoute> {
  if (!isRecord(v)) return { ok: false, error: 'route must be an object' }
  if (v.kind === 'home') return { ok: true, value: { kind: 'home' } }
  if (v.kind === 'alert' && isAlertId(v.id)) return { ok: true, value: { kind: 'alert', id: v.id } }
  return { ok: false, error: 'route must be {kind:"home"} or {kind:"alert", id}' }
}

type ArgsValidator<C extends InvokeChannel> = (
  args: readonly unknown[],
) => Validation<InvokeContract[C]['args']>

/** Positional-argument validators per invoke channel; extra arguments are an error, not ignored. */
export const ARG_VALIDATORS: { [C in InvokeChannel]: ArgsValidator<C> } = {
  [IPC.getServerUrl]: (args) =>
    args.length === 0 ? { ok: true, value: [] } : { ok: false, error: 'getServerUrl takes no arguments' },
  [IPC.notify]: (args) => {
    if (args.length !== 1) return { ok: false, error: 'notify takes exactly one argument' }
    const alert = validateAlertNotice(args[0])
    return alert.ok ? { ok: true, value: [alert.value] } : alert
  },
}
