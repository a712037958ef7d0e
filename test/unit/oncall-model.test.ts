import { describe, expect, it } from 'vitest'
import { type Schedule, validateSchedule } from '../../core/model/schedule'

const valid: Schedule = {
  id: 's1',
  name: 'Platform',
  description: 'primary on-call',
  timezone: 'Europe/Berlin',
  enabled: true,
  ownerTeamId: 't1',
  rotations: [
    {
      id: 'r1',
      name: 'primary',
      type: 'weekly',
      length: 2,
      startDate: '2026-03-02T09:00',
      endDate: '2026-12-31T09:00:00',
      participants: [{ type: 'user', id: 'u1' }, { type: 'none' }],
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 30 },
      },
    },
  ],
  overrides: [
    { id: 'ov1', userId: 'u2', start: Date.UTC(2026, 2, 4), end: Date.UTC(2026, 2, 5), rotationIds: ['r1'] },
  ],
}

const withRotation = (patch: Record<string, unknown>) => ({
  ...valid,
  rotations: [{ ...valid.rotations[0], ...patch }],
})

describe('validateSchedule', () => {
  it('accepts a valid schedule', () => {
    expect(validateSchedule(valid)).toEqual([])
    expect(
      validateSchedule({ ...valid, timezone: 'UTC', ownerTeamId: undefined, rotations: [], overrides: [] }),
    ).toEqual([])
  })

  it('checks the shape with the TypeBox schema', () => {
    expect(validateSchedule(withRotation({ length: 0 })).length).toBeGreaterThan(0)
    expect(validateSchedule(withRotation({ type: 'monthly' })).length).toBeGreaterThan(0)
    expect(validateSchedule(withRotation({ participants: [] })).length).toBeGreaterThan(0)
    expect(
      validateSchedule(withRotation({ participants: [{ type: 'team', id: 't' }] })).length,
    ).toBeGreaterThan(0)
    // Wall-clock dates carry no offset: the schedule's zone gives them meaning.
    expect(validateSchedule(withRotation({ startDate: '2026-03-02T09:00:00Z' })).length).toBeGreaterThan(0)
    expect(
      validateSchedule({ ...valid, overrides: [{ ...valid.overrides[0], start: '2026-03-04T00:00:00Z' }] })
        .length,
    ).toBeGreaterThan(0)
    expect(validateSchedule({ ...valid, extra: 1 }).length).toBeGreaterThan(0)
    expect(validateSchedule(null).length).toBeGreaterThan(0)
  })

  it('checks what the schema cannot: zone, calendar dates, order, ids and references', () => {
    expect(validateSchedule({ ...valid, timezone: 'Mars/Olympus_Mons' })).toEqual([
      "/timezone: unknown time zone 'Mars/Olympus_Mons'",
    ])
    expect(validateSchedule(withRotation({ startDate: '2026-02-30T09:00' }))).toEqual([
      '/rotations/0/startDate: not a valid date-time',
    ])
    expect(validateSchedule(withRotation({ endDate: '2026-03-02T09:00' }))).toEqual([
      '/rotations/0/endDate: must be after startDate',
    ])
    expect(
      validateSchedule({
        ...valid,
        rotations: [valid.rotations[0], valid.rotations[0]] as Schedule['rotations'],
      }),
    ).toEqual(["/rotations/1/id: duplicate rotation id 'r1'"])
    const ov = valid.overrides[0] as Schedule['overrides'][number]
    expect(validateSchedule({ ...valid, overrides: [{ ...ov, end: ov.start }] })).toEqual([
      '/overrides/0/end: must be after start',
    ])
    expect(validateSchedule({ ...valid, overrides: [{ ...ov, rotationIds: ['nope'] }] })).toEqual([
      "/overrides/0/rotationIds: unknown rotation 'nope'",
    ])
    expect(validateSchedule({ ...valid, overrides: [ov, ov] })).toEqual([
      "/overrides/1/id: duplicate override id 'ov1'",
    ])
  })
})
