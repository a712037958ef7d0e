import { DateTime } from 'luxon'
import type { MaintenanceWindow } from '../model/routing'

/** What an alert touches, for matching against maintenance scopes. */
export interface MaintenanceTarget {
  teamId?: string
  integrationId?: string
  policyIds?: readonly string[]
}

/** An ISO-8601 instant as epoch ms, or NaN when it does not parse (such a window is never active). */
export function parseInstant(iso: string): number {
  const dt = DateTime.fromISO(iso, { setZone: true })
  return dt.isValid ? dt.toMillis() : Number.NaN
}

/** True when the window is in force at `instant`: not cancelled, start <= instant < end (no end = forever). */
export function isWindowActive(w: MaintenanceWindow, instant: number): boolean {
  if (w.cancelled) return false
  const start = parseInstant(w.start)
  const end = w.end === undefined ? Number.POSITIVE_INFINITY : parseInstant(w.end)
  // NaN compares false both ways, so an unparsable bound makes the window inactive.
  return start <= instant && instant < end
}

function touches(w: MaintenanceWindow, t: MaintenanceTarget): boolean {
  const s = w.scope
  if (t.teamId !== undefined && s.teamIds?.includes(t.teamId)) return true
  if (t.integrationId !== undefined && s.integrationIds?.includes(t.integrationId)) return true
  return (t.policyIds ?? []).some((id) => s.policyIds?.includes(id))
}

/**
 * The first window (in list order) active at `instant` (epoch ms) whose scope names the alert's team,
 * its integration or one of the given policies; undefined when none. The caller decides what the window
 * silences (an integration in maintenance creates no alerts; a team's notifications are held; a policy
 * is skipped), and logs the window's id.
 */
export function inMaintenance(
  windows: readonly MaintenanceWindow[],
  target: MaintenanceTarget,
  instant: number,
): MaintenanceWindow | undefined {
  return windows.find((w) => isWindowActive(w, instant) && touches(w, target))
}
