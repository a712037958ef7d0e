/** Heartbeats and maintenance windows, replicated together in one `monitoring` collection. */
import { type Static, Type } from '@sinclair/typebox'
import { PRIORITIES } from '../../model/alert'
import { Deleted, Enum, Id, Ms, Obj, Ref, Text } from './fields'

/** The two kinds of document in `monitoring`. */
export const MONITORING_KINDS = ['heartbeat', 'maintenance'] as const
export type MonitoringKind = (typeof MONITORING_KINDS)[number]

/** A maintenance rule as Opsgenie writes it. */
const MaintenanceRuleDoc = Obj({
  state: Enum(['enabled', 'disabled'] as const),
  entity: Obj({ id: Text(100), type: Text(50) }),
})

/**
 * Heartbeats and maintenance windows (pull only), told apart by `kind`. Fields of the other kind are
 * absent. `teamId` is absent for a global maintenance window.
 */
export const MonitoringDoc = Obj({
  id: Id,
  _deleted: Deleted,
  kind: Enum(MONITORING_KINDS),
  teamId: Type.Optional(Ref),
  description: Text(10_000),
  createdAt: Ms,
  updatedAt: Ms,
  // heartbeat
  name: Type.Optional(Text(200)),
  interval: Type.Optional(Type.Integer({ minimum: 1 })),
  intervalUnit: Type.Optional(Enum(['minutes', 'hours', 'days'] as const)),
  enabled: Type.Optional(Type.Boolean()),
  expired: Type.Optional(Type.Boolean()),
  lastPingAt: Type.Optional(Ms),
  alertMessage: Type.Optional(Text(1000)),
  alertTags: Type.Optional(Type.Array(Text(1000))),
  alertPriority: Type.Optional(Enum(PRIORITIES)),
  autoClose: Type.Optional(Type.Boolean()),
  // maintenance
  timeType: Type.Optional(Text(50)),
  start: Type.Optional(Ms),
  end: Type.Optional(Ms),
  rules: Type.Optional(Type.Array(MaintenanceRuleDoc)),
  cancelled: Type.Optional(Type.Boolean()),
})
export type MonitoringDoc = Static<typeof MonitoringDoc>
