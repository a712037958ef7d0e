import type { Generated, Kysely } from 'kysely'
import type {
  AlertLogsTable,
  ContactsTable,
  Database,
  EscalationPoliciesTable,
  HeartbeatsTable,
  IntegrationsTable,
  MaintenanceWindowsTable,
  NotificationRulesTable,
  RoutingRulesTable,
  ScheduleOverridesTable,
  SchedulesTable,
  TeamsTable,
  UsersTable,
} from '../store/schema'
import type { Store } from '../store/store'

/** A table as migration 013 left it: with the change sequence its triggers (or group commit) maintain. */
type Seq<T> = T & { change_seq: Generated<number> }

/** A deleted replicated document (migration 013): who may learn of it is its team, its user, or everyone. */
export interface SyncTombstonesTable {
  collection: string
  id: string
  change_seq: number
  team_id: string | null
  user_id: string | null
}

/** One console alert command, applied once per client-made id (migration 013). */
export interface SyncCommandsTable {
  id: string
  user_id: string
  alert_id: string
  action: string
  /** JSON AlertCommandParams. */
  params: string
  created_at: number
  status: 'pending' | 'applied' | 'rejected'
  reason: string | null
  processed_at: number | null
  change_seq: number
}

/**
 * The store as replication sees it. Kept here rather than in store/schema.ts so the columns only the sync
 * layer reads (change_seq on configuration tables) do not leak into every route's row types.
 */
export interface SyncDatabase
  extends Omit<
    Database,
    | 'users'
    | 'teams'
    | 'integrations'
    | 'schedules'
    | 'schedule_overrides'
    | 'escalation_policies'
    | 'routing_rules'
    | 'heartbeats'
    | 'maintenance_windows'
    | 'contacts'
    | 'notification_rules'
    | 'alert_logs'
  > {
  users: Seq<UsersTable>
  teams: Seq<TeamsTable>
  integrations: Seq<IntegrationsTable>
  schedules: Seq<SchedulesTable>
  schedule_overrides: Seq<ScheduleOverridesTable>
  escalation_policies: Seq<EscalationPoliciesTable>
  routing_rules: Seq<RoutingRulesTable>
  heartbeats: Seq<HeartbeatsTable>
  maintenance_windows: Seq<MaintenanceWindowsTable>
  contacts: Seq<ContactsTable>
  notification_rules: Seq<NotificationRulesTable>
  alert_logs: Seq<AlertLogsTable>
  sync_tombstones: SyncTombstonesTable
  sync_commands: SyncCommandsTable
  sync_scopes: SyncScopesTable
}

/** The team set a checkpoint scope (a hash) stood for (migration 013). */
export interface SyncScopesTable {
  scope: string
  /** 1 when the scope is an account admin's (every team). */
  admin: number
  /** JSON array of team ids. */
  teams: string
}

/** The store's Kysely handle typed with the sync columns (same connection, same transactions). */
export function syncDb(db: Store['db'] | Kysely<Database>): Kysely<SyncDatabase> {
  return db as unknown as Kysely<SyncDatabase>
}
