/** Alerts, their log entries and the console's alert commands, as replicated. */
import { type Static, Type } from '@sinclair/typebox'
import { PRIORITIES } from '../../model/alert'
import { Deleted, Enum, Id, Ms, Obj, Ref, Text } from './fields'

/** A responder / visibleTo entry of an alert (Opsgenie's recipient, closed for RxDB). */
const SyncRecipient = Obj({
  type: Text(20),
  id: Type.Optional(Text(512)),
  name: Type.Optional(Text(512)),
  username: Type.Optional(Text(512)),
})

/** An alert (pull only: alerts change through alertCommands and the HTTP API). */
export const AlertDoc = Obj({
  id: Id,
  _deleted: Deleted,
  tinyId: Text(20),
  teamId: Ref,
  integrationId: Type.Optional(Ref),
  alias: Text(512),
  message: Text(1000),
  description: Text(20_000),
  status: Enum(['open', 'closed'] as const),
  acknowledged: Type.Boolean(),
  isSeen: Type.Boolean(),
  snoozed: Type.Boolean(),
  snoozedUntil: Type.Optional(Ms),
  count: Type.Integer({ minimum: 0 }),
  priority: Enum(PRIORITIES),
  source: Text(1000),
  entity: Text(1000),
  owner: Text(512),
  tags: Type.Array(Text(1000)),
  details: Type.Record(Type.String(), Type.String()),
  actions: Type.Array(Text(1000)),
  responders: Type.Array(SyncRecipient),
  visibleTo: Type.Array(SyncRecipient),
  acknowledgedBy: Text(512),
  closedBy: Text(512),
  /** Milliseconds from creation to the first acknowledgement / the close. */
  ackTime: Type.Optional(Type.Integer({ minimum: 0 })),
  closeTime: Type.Optional(Type.Integer({ minimum: 0 })),
  createdAt: Ms,
  updatedAt: Ms,
  lastOccurredAt: Ms,
})
export type AlertDoc = Static<typeof AlertDoc>

/** One alert log entry (pull only). `id` is the server's numeric log id as a string. */
export const AlertLogDoc = Obj({
  id: Id,
  _deleted: Deleted,
  alertId: Ref,
  createdAt: Ms,
  type: Text(100),
  owner: Text(512),
  log: Text(30_000),
})
export type AlertLogDoc = Static<typeof AlertLogDoc>

/** Actions an alertCommand may ask for. */
export const ALERT_COMMAND_ACTIONS = [
  'acknowledge',
  'unacknowledge',
  'close',
  'note',
  'snooze',
  'assign',
  'escalate',
] as const
export type AlertCommandAction = (typeof ALERT_COMMAND_ACTIONS)[number]

/** A command's state: `pending` as the client writes it, then `applied` or `rejected` from the server. */
export const ALERT_COMMAND_STATUSES = ['pending', 'applied', 'rejected'] as const
export type AlertCommandStatus = (typeof ALERT_COMMAND_STATUSES)[number]

/** What an action needs: note (any action; required for `note`), endTime (snooze), owner, escalation. */
export const AlertCommandParams = Obj({
  note: Type.Optional(Text(25_000)),
  /** Snooze until this instant (epoch ms). */
  endTime: Type.Optional(Ms),
  owner: Type.Optional(Obj({ id: Type.Optional(Text(100)), username: Type.Optional(Text(100)) })),
  escalation: Type.Optional(Obj({ id: Type.Optional(Text(100)), name: Type.Optional(Text(200)) })),
})
export type AlertCommandParams = Static<typeof AlertCommandParams>

/**
 * An alert action from the console's outbox. The client creates it with a fresh id and status `pending`;
 * the server applies it once (a second push of the same id changes nothing) and publishes it back with
 * status `applied` or `rejected` (+ reason). The alert's change arrives on the alerts stream.
 */
export const AlertCommandDoc = Obj({
  id: Id,
  _deleted: Deleted,
  alertId: Ref,
  action: Enum(ALERT_COMMAND_ACTIONS),
  params: AlertCommandParams,
  /** When the user acted (client clock: informational only, never used for ordering). */
  createdAt: Ms,
  status: Enum(ALERT_COMMAND_STATUSES),
  /** Why the server refused it (status `rejected`). */
  reason: Type.Optional(Text(1000)),
  /** Server time it was applied or rejected. */
  processedAt: Type.Optional(Ms),
  /** The user who sent it (set by the server). */
  userId: Type.Optional(Ref),
})
export type AlertCommandDoc = Static<typeof AlertCommandDoc>
