/**
 * Maps a `timeline` to the `data` of Opsgenie's GET /v2/schedules/{id}/timeline (notes/opsgenie-api.md §4):
 * finalTimeline always, baseTimeline and overrideTimeline when `expand` asks for them. 'none' turns are
 * gaps, so they produce no period, as in Opsgenie. Dates are ISO 8601 in UTC ('2026-03-01T14:00:00Z').
 */
import { DateTime } from 'luxon'
import type { Schedule } from '../model/schedule'
import type { Timeline } from './queries'
import type { Period, RotationPeriods } from './types'

/** A period's recipient. */
export interface OpsgenieRecipient {
  id: string
  type: 'user'
  name?: string
}

/** One period of an Opsgenie timeline rotation. */
export interface OpsgeniePeriod {
  startDate: string
  endDate: string
  type: 'default' | 'override'
  recipient: OpsgenieRecipient
}

/** One rotation of an Opsgenie timeline. */
export interface OpsgenieRotationTimeline {
  id: string
  name: string
  /** Position of the rotation in the schedule, from 0. */
  order: number
  periods: OpsgeniePeriod[]
}

/** The timeline response's `data`. */
export interface OpsgenieTimelineData {
  _parent: { id: string; name: string; enabled: boolean }
  startDate: string
  endDate: string
  finalTimeline: { rotations: OpsgenieRotationTimeline[] }
  baseTimeline?: { rotations: OpsgenieRotationTimeline[] }
  overrideTimeline?: { rotations: OpsgenieRotationTimeline[] }
}

/** What to add to the final timeline, and how to name users (Opsgenie shows usernames). */
export interface OpsgenieTimelineOptions {
  expand?: ReadonlyArray<'base' | 'override' | 'forwarding'>
  userName?: (userId: string) => string | undefined
}

/** An instant as Opsgenie writes it: ISO 8601 in UTC without milliseconds. */
export function opsgenieDate(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? ''
}

/** The `data` of Opsgenie's timeline response for a `timeline(schedule, from, to)` result. */
export function toOpsgenieTimeline(
  schedule: Schedule,
  tl: Timeline,
  opts: OpsgenieTimelineOptions = {},
): OpsgenieTimelineData {
  const period = (p: Period): OpsgeniePeriod | undefined => {
    if (p.participant.type !== 'user') return undefined
    const name = opts.userName?.(p.participant.id)
    const recipient: OpsgenieRecipient = { id: p.participant.id, type: 'user' }
    if (name !== undefined) recipient.name = name
    return {
      startDate: opsgenieDate(p.start),
      endDate: opsgenieDate(p.end),
      type: p.overrideId === undefined ? 'default' : 'override',
      recipient,
    }
  }
  const rotations = (list: RotationPeriods[], keep: (p: Period) => boolean) =>
    list.map((rp, order) => ({
      id: rp.rotationId,
      name: schedule.rotations[order]?.name ?? rp.rotationId,
      order,
      periods: rp.periods.filter(keep).flatMap((p) => period(p) ?? []),
    }))
  const data: OpsgenieTimelineData = {
    _parent: { id: schedule.id, name: schedule.name, enabled: schedule.enabled },
    startDate: opsgenieDate(tl.from),
    endDate: opsgenieDate(tl.to),
    finalTimeline: { rotations: rotations(tl.final, () => true) },
  }
  if (opts.expand?.includes('base')) data.baseTimeline = { rotations: rotations(tl.base, () => true) }
  if (opts.expand?.includes('override'))
    data.overrideTimeline = { rotations: rotations(tl.final, (p) => p.overrideId !== undefined) }
  return data
}
