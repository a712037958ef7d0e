export { addError, type FieldErrors, shapeErrors } from './errors'
export { type CriteriaMatcher, type CriteriaSubject, compileCriteria, matchesCriteria } from './evaluate'
export {
  compileSafePattern,
  fullMatch,
  REGEX_LIMITS,
  type SafePattern,
  safePattern,
  type VettedPattern,
} from './regex'
export { validateCriteria } from './validate'
