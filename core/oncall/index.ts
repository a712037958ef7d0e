/** The pure on-call module: rotation shifts, override layering, flattening and schedule queries. */
export { clipToRange, clipToWindows } from './clip'
export { type CompiledRotation, type CompiledSchedule, compileRotation, compileSchedule } from './compile'
export { complementRanges, type FlatPeriod, flattenTimeline, flattenUserIds, userCoverage } from './flatten'
export {
  type OpsgeniePeriod,
  type OpsgenieRecipient,
  type OpsgenieRotationTimeline,
  type OpsgenieTimelineData,
  type OpsgenieTimelineOptions,
  opsgenieDate,
  toOpsgenieTimeline,
} from './opsgenie'
export { applyOverrides, type OverrideSegment, overrideAt, overrideSegments, overridesFor } from './overrides'
export {
  gaps,
  NEXT_ON_CALL_HORIZON_MS,
  type NextOnCall,
  nextOnCall,
  type OnCall,
  type OverridePeriod,
  onCallAt,
  type RotationOnCall,
  type Timeline,
  timeline,
} from './queries'
export { compiledShifts, handoffAt, rotationShifts, shiftIndexAt, unrestrictedShifts } from './shifts'
export type { Period, RotationPeriods, Shift } from './types'
