/**
 * Schedules prepared once for many queries: parsed wall-clock dates, the zone's clock and each rotation's
 * overrides flattened into segments. Cached by object identity, so schedules (like store documents) must
 * be treated as immutable: change one by making a new object.
 */
import type { Rotation, Schedule } from '../model/schedule'
import { DAY_MS, HOUR_MS, parseLocalDateTime, WEEK_MS, type ZoneClock, zoneClock } from '../time/wall-clock'
import { type OverrideSegment, overrideSegments, overridesFor } from './overrides'

/** A rotation with its dates parsed, in one zone. */
export interface CompiledRotation {
  rotation: Rotation
  zone: string
  clock: ZoneClock
  /** Wall time of the first handoff (startDate). */
  startWall: number
  /** Wall length of one turn: length × the unit. */
  stepWall: number
  /** Instant of the first handoff. */
  startAt: number
  /** Instant the rotation stops (endDate, last occurrence if repeated); Infinity without endDate. */
  endAt: number
}

/** A schedule prepared for queries. */
export interface CompiledSchedule {
  schedule: Schedule
  zone: string
  rotations: CompiledRotation[]
  /** Per rotation (same order), the overrides that apply to it as non-overlapping segments. */
  overrides: OverrideSegment[][]
}

const UNIT_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: WEEK_MS } as const

const rotationCache = new WeakMap<Rotation, CompiledRotation>()
const scheduleCache = new WeakMap<Schedule, CompiledSchedule>()

/** Parses a rotation for a zone (cached per rotation object); throws RangeError on a malformed date or zone. */
export function compileRotation(rotation: Rotation, zone: string): CompiledRotation {
  const cached = rotationCache.get(rotation)
  if (cached && cached.zone === zone) return cached
  const clock = zoneClock(zone)
  const startWall = parseLocalDateTime(rotation.startDate)
  if (startWall === undefined)
    throw new RangeError(`rotation ${rotation.id}: bad startDate '${rotation.startDate}'`)
  let endAt = Number.POSITIVE_INFINITY
  if (rotation.endDate !== undefined) {
    const endWall = parseLocalDateTime(rotation.endDate)
    if (endWall === undefined)
      throw new RangeError(`rotation ${rotation.id}: bad endDate '${rotation.endDate}'`)
    endAt = clock.fromWall(endWall, 'last')
  }
  const c: CompiledRotation = {
    rotation,
    zone,
    clock,
    startWall,
    stepWall: Math.max(1, Math.floor(rotation.length)) * UNIT_MS[rotation.type],
    startAt: clock.fromWall(startWall, 'first'),
    endAt,
  }
  rotationCache.set(rotation, c)
  return c
}

/** Prepares a schedule for queries (cached per schedule object). */
export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const cached = scheduleCache.get(schedule)
  if (cached) return cached
  const zone = schedule.timezone
  const c: CompiledSchedule = {
    schedule,
    zone,
    rotations: schedule.rotations.map((r) => compileRotation(r, zone)),
    overrides: schedule.rotations.map((r) => overrideSegments(overridesFor(schedule.overrides, r.id))),
  }
  scheduleCache.set(schedule, c)
  return c
}
