export {
  CLOSE_RULE,
  type DueStep,
  dueActions,
  dueSteps,
  type EscalationAction,
  type EscalationEvaluation,
  type EscalationProgress,
  escalationProgress,
  evaluateEscalation,
  nextWakeAt,
  type SkippedStep,
  splitCycle,
  stepKey,
} from './engine'
export {
  type RecipientResolver,
  type ResolvedStep,
  resolveStep,
  type StepNotification,
} from './recipients'
export {
  CYCLE_STRIDE,
  type EscalationPlan,
  type EscalationState,
  MINUTE_MS,
  planEscalation,
  type Snooze,
  type StepRef,
} from './timeline'
export { validateEscalationPolicy } from './validate'
