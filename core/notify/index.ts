export { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs, shouldRetry } from './backoff'
export { type Bundle, type Bundleable, bundle } from './bundle'
export { admit, type Candidate, DEFAULT_RATE_LIMITS, type RateLimits, type SentCounts } from './rate-limit'
export {
  type RenderedEmail,
  renderEmail,
  renderGenericWebhook,
  renderSlack,
  renderSms,
  renderVoice,
  SMS_MAX_CHARS,
  summary,
} from './render'
export {
  cycleKey,
  type ExpansionPlan,
  MAX_NOTICE_OFFSET_MS,
  NOTICE_OFFSETS_MS,
  type NotificationForDelivery,
  type PlannedDelivery,
  planDeliveries,
  type RuleForDelivery,
  ruleActiveAt,
  selectRule,
  subjectOf,
} from './rules'
export { noticeKey, type ShiftEdge, shiftEdges, userShifts } from './shift-notices'
