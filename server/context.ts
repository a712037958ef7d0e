import type { Authenticator } from './auth/authenticate'
import type { DeliveryEngine } from './delivery/engine'
import type { AppDeps } from './deps'
import type { EscalationEngine } from './engine/escalation/engine'
import type { AlertRouter } from './engine/escalation/routing'
import type { AlertService } from './ingest/alert-service'
import type { GroupCommitWriter } from './ingest/group-commit'

/** What route modules receive: the injected dependencies plus the app's services. */
export interface AppContext extends AppDeps {
  auth: Authenticator
  alerts: AlertService
  writer: GroupCommitWriter
  /** The durable escalation engine (tick/start/stop/nudge). */
  escalation: EscalationEngine
  /** Ingest-time routing with its configuration cache (also used by heartbeat expiry alerts). */
  router: AlertRouter
  /** The notification outbox (expansion, sending, shift notices). */
  delivery: DeliveryEngine
}
