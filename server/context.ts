import type { Authenticator } from './auth/authenticate'
import type { AppDeps } from './deps'
import type { AlertService } from './ingest/alert-service'
import type { GroupCommitWriter } from './ingest/group-commit'

/** What route modules receive: the injected dependencies plus the app's services. */
export interface AppContext extends AppDeps {
  auth: Authenticator
  alerts: AlertService
  writer: GroupCommitWriter
}
