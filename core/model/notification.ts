import { type Static, Type } from '@sinclair/typebox'

/*
 * What a notification says, snapshotted when it is written so that a delivery retried an hour later
 * says what was true when the person was paged. Server channels render it (e-mail, webhook, SMS) and the
 * desktop app receives it as is over its socket, so it lives in core.
 */

/** Opsgenie's notification-rule action types a notification can stand for. */
export const NOTIFICATION_ACTION_TYPES = [
  'create-alert',
  'acknowledged-alert',
  'closed-alert',
  'assigned-alert',
  'add-note',
  'schedule-start',
  'schedule-end',
] as const
export type NotificationActionType = (typeof NOTIFICATION_ACTION_TYPES)[number]

/** The alert a notification is about, as it was when the notification was written. */
export const NotificationAlert = Type.Object({
  id: Type.String(),
  tinyId: Type.String(),
  alias: Type.String(),
  message: Type.String(),
  priority: Type.String(),
  status: Type.String(),
  teamId: Type.String(),
  tags: Type.Array(Type.String()),
  source: Type.String(),
  entity: Type.String(),
})
export type NotificationAlert = Static<typeof NotificationAlert>

/** The shift a schedule-start or schedule-end notice is about. */
export const NotificationShift = Type.Object({
  scheduleId: Type.String(),
  scheduleName: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
})
export type NotificationShift = Static<typeof NotificationShift>

/** The body of a notification row (`notifications.payload`) and of the desktop app's event. */
export const NotificationPayload = Type.Object({
  actionType: Type.Union(NOTIFICATION_ACTION_TYPES.map((t) => Type.Literal(t))),
  /** One line: what happened, e.g. "[P1] #42 Disk full on db-1". */
  title: Type.String(),
  /** Longer text: why this person is told (escalation rule, who acted, the note). */
  body: Type.String(),
  alert: Type.Optional(NotificationAlert),
  shift: Type.Optional(NotificationShift),
  /** Who acted (acknowledged, closed, assigned, noted), when someone did. */
  actor: Type.Optional(Type.String()),
})
export type NotificationPayload = Static<typeof NotificationPayload>

/** What the desktop app receives on `vigil:notify`; its acknowledgement is the delivery receipt. */
export interface DesktopMessage {
  /** The delivery this message carries. */
  deliveryId: string
  /** One or more notifications (several pending ones for the same person are bundled). */
  notifications: NotificationPayload[]
}
