// Alert → native notification. The mapping is pure (tested without a notification daemon, which headless
// CI lacks); the notifier takes Electron's Notification constructor by injection.
import type { Priority } from '../core/model/alert'
import type { AlertNotice, NotifyResult } from './shared/ipc-contract'

/** The subset of Electron's `NotificationConstructorOptions` we set. */
export interface NotificationOptions {
  title: string
  body: string
  /** Linux and Windows only; `critical` stays on screen until dismissed on most Linux daemons. */
  urgency: 'low' | 'normal' | 'critical'
  /** Linux and Windows only; `never` keeps the toast until the user acts. */
  timeoutType: 'default' | 'never'
  silent: boolean
}

// Opsgenie priorities: P1 critical, P2 high, P3 moderate, P4 low, P5 informational. Only P1 may wake
// someone with a sticky critical toast; informational alerts never make a sound.
const BY_PRIORITY: Record<Priority, Pick<NotificationOptions, 'urgency' | 'timeoutType' | 'silent'>> = {
  P1: { urgency: 'critical', timeoutType: 'never', silent: false },
  P2: { urgency: 'normal', timeoutType: 'never', silent: false },
  P3: { urgency: 'normal', timeoutType: 'default', silent: false },
  P4: { urgency: 'low', timeoutType: 'default', silent: true },
  P5: { urgency: 'low', timeoutType: 'default', silent: true },
}

// Notification daemons truncate or reject long bodies differently per platform; cut it ourselves.
const MAX_BODY = 240

/** Maps an alert to notification options: priority decides urgency, timeout and sound. */
export function toNotificationOptions(alert: AlertNotice): NotificationOptions {
  const description = alert.description?.trim() ?? ''
  const body = description.length > MAX_BODY ? `${description.slice(0, MAX_BODY - 1)}…` : description
  return { title: `[${alert.priority}] ${alert.message}`, body, ...BY_PRIORITY[alert.priority] }
}

/** The part of an Electron `Notification` we use (method syntax so Electron's overloads satisfy it). */
export interface NotificationHandle {
  show(): void
  close(): void
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown
}

export interface NotifierDeps {
  isSupported(): boolean
  create(options: NotificationOptions): NotificationHandle
  /** Called when the user clicks a notification: bring the console forward and open the alert. */
  onClick(alertId: string): void
}

export interface Notifier {
  show(alert: AlertNotice): NotifyResult
  /** How many notifications are alive (kept referenced so click handlers survive GC). */
  liveCount(): number
}

/** Creates a notifier that keeps each live notification referenced until it is closed or clicked. */
export function createNotifier(deps: NotifierDeps): Notifier {
  // Electron drops click events of notifications that were garbage-collected (see notes §3), so hold them.
  const live = new Map<string, NotificationHandle>()
  const forget = (id: string, handle: NotificationHandle) => {
    if (live.get(id) === handle) live.delete(id)
  }
  return {
    show(alert) {
      if (!deps.isSupported()) return { shown: false }
      // A repeat of the same alert replaces its toast instead of stacking duplicates on the wallboard.
      live.get(alert.id)?.close()
      const handle = deps.create(toNotificationOptions(alert))
      live.set(alert.id, handle)
      handle.on('click', () => {
        forget(alert.id, handle)
        deps.onClick(alert.id)
      })
      handle.on('close', () => forget(alert.id, handle))
      handle.on('failed', () => forget(alert.id, handle))
      handle.show()
      return { shown: true }
    },
    liveCount: () => live.size,
  }
}
