/** The durable escalation engine and ingest-time routing (DESIGN "How an alert flows" 3 and 4). */
export { type ActionNotice, changeRun, noticeKey, tellPaged } from './actions'
export { ConfigSnapshot, RoutingConfigCache, TTL_MS } from './config-cache'
export { ENGINE_USER, type EngineDeps, EscalationEngine, type TickResult } from './engine'
export { alertSnapshot, alertTitle, insertNotifications, type NewNotification } from './notifications'
export { StoreRecipients, scheduleUsers } from './recipients'
export { AlertRouter, type Prepared, RoutingBatch } from './routing'
export { initialState, nextWake, parseState, type RunRow, type RunState } from './state'
