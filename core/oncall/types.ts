/** Result shapes shared by the on-call calculators. All instants are epoch milliseconds; ranges are [start, end). */
import type { Participant } from '../model/schedule'

/** One turn of a rotation (or, for a restricted rotation, one part of a turn inside a restriction window). */
export interface Shift {
  start: number
  end: number
  /** The turn's number k, counted from the rotation's startDate (k = 0 is the first turn). */
  shift: number
  /** k modulo the number of participants: who takes this turn. */
  participantIndex: number
  participant: Participant
}

/** Who holds one rotation over a range: a rotation turn, or an override that replaced it. */
export interface Period {
  start: number
  end: number
  participant: Participant
  /** The rotation slot, absent on override periods. */
  participantIndex?: number
  /** Set when an override put this participant on call. */
  overrideId?: string
  /** On override periods: the participant the override replaced. */
  replaced?: Participant
}

/** One rotation's periods, ordered and non-overlapping. */
export interface RotationPeriods {
  rotationId: string
  periods: Period[]
}
