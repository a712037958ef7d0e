import type { SyncCollection } from '../../../core/sync/protocol'
import { alertCommandsSource, alertLogsSource, alertsSource } from './alerts'
import {
  escalationPoliciesSource,
  integrationsSource,
  overridesSource,
  routingRulesSource,
  schedulesSource,
} from './config'
import { monitoringSource } from './monitoring'
import { meSource, teamsSource, usersSource } from './people'
import type { Source } from './source'

/** Every replicated collection's source of documents. */
export const SOURCES: { readonly [C in SyncCollection]: Source } = {
  alerts: alertsSource,
  alertLogs: alertLogsSource,
  alertCommands: alertCommandsSource,
  teams: teamsSource,
  users: usersSource,
  schedules: schedulesSource,
  overrides: overridesSource,
  escalationPolicies: escalationPoliciesSource,
  routingRules: routingRulesSource,
  integrations: integrationsSource,
  monitoring: monitoringSource,
  me: meSource,
}
