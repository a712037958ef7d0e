export { inMaintenance, isWindowActive, type MaintenanceTarget, parseInstant } from './maintenance'
export { applyAlertPolicies, type PolicyOutcome, renderTemplate } from './policies'
export { orderRoutingRules, type RouteDecision, routeAlert, withinRestriction } from './route'
export {
  validateAlertPolicy,
  validateMaintenanceWindow,
  validateRoutingRule,
  validateRoutingRules,
} from './validate'
