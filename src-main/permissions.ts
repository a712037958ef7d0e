// Deny-by-default permission policy. Electron grants every permission unless a handler says otherwise,
// so both the request and the check handler must be installed (security checklist §6).
import { type AppLocation, isAppUrl } from './url-guard'

// The console needs nothing beyond copying (alert ids, links) and going full screen on a wallboard.
// Notifications are shown by main, so the page never needs the web `notifications` permission.
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'fullscreen'])

/** Whether a page at `requestingUrl` may use `permission`: allowlisted permission and an app URL. */
export function decidePermission(
  permission: string,
  requestingUrl: string | undefined,
  app: AppLocation,
): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, app)
}

/** The part of Electron's `Session` the permission handlers need. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl?: string },
    ) => void,
  ): void
  setPermissionCheckHandler(
    handler: (
      contents: unknown,
      permission: string,
      requestingOrigin: string,
      details: { requestingUrl?: string },
    ) => boolean,
  ): void
  setDevicePermissionHandler(handler: () => boolean): void
}

/** Installs the deny-by-default request, check and device handlers on a session. */
export function installPermissionHandlers(session: PermissionSession, app: AppLocation): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(decidePermission(permission, details.requestingUrl, app)),
  )
  // Checks may come without a URL (only an origin); an origin alone is not under the console path,
  // so append the prefix rather than granting by origin for every page on the server.
  session.setPermissionCheckHandler((_contents, permission, origin, details) =>
    decidePermission(permission, details.requestingUrl ?? `${origin}${app.pathPrefix}`, app),
  )
  // USB/HID/serial devices: never.
  session.setDevicePermissionHandler(() => false)
}
