/** Inbound integrations: pure mappers from sender payloads to internal alert commands. */
export { ALERTMANAGER_VERSION, AlertmanagerWebhook, mapAlertmanagerWebhook } from './alertmanager'
export type { ActionFields, InboundCommand, MapFailure, MapOptions, MapResult } from './commands'
export { GENERIC_BATCH_LIMIT, mapGenericWebhook, validateGenericMappingConfig } from './generic'
export { GrafanaWebhook, mapGrafanaWebhook } from './grafana'
export { parsePointer, resolvePointer } from './pointer'
