import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { Schedule } from '../../core/model/schedule'
import { scheduleUsers } from '../../server/engine/escalation/recipients'

const Z = 'Europe/Berlin'
const at = (iso: string): number => DateTime.fromISO(iso, { zone: Z }).toMillis()

/** Daily a → b → c from Monday 09:00 Berlin; x overrides Wednesday 12:00–14:00. */
const schedule: Schedule = {
  id: 's1',
  name: 'Platform',
  description: '',
  timezone: Z,
  enabled: true,
  ownerTeamId: 't1',
  rotations: [
    {
      id: 'r1',
      name: 'primary',
      type: 'daily',
      length: 1,
      startDate: '2026-03-02T09:00',
      participants: [
        { type: 'user', id: 'a' },
        { type: 'user', id: 'b' },
        { type: 'user', id: 'c' },
      ],
    },
  ],
  overrides: [{ id: 'ov1', userId: 'x', start: at('2026-03-04T12:00'), end: at('2026-03-04T14:00') }],
}

describe('who a schedule recipient means for each notify type', () => {
  it('default and all: whoever is on call now, overrides included', () => {
    expect(scheduleUsers(schedule, at('2026-03-03T10:00'), 'default')).toEqual(['b'])
    expect(scheduleUsers(schedule, at('2026-03-03T10:00'), 'all')).toEqual(['b'])
    expect(scheduleUsers(schedule, at('2026-03-04T13:00'), 'default')).toEqual(['x'])
  })

  it('next: the next other person to come on call; previous: the last other one before', () => {
    expect(scheduleUsers(schedule, at('2026-03-03T10:00'), 'next')).toEqual(['c'])
    expect(scheduleUsers(schedule, at('2026-03-03T10:00'), 'previous')).toEqual(['a'])
    // During the override c's turn is cut: next is c again after it, previous is c before it.
    expect(scheduleUsers(schedule, at('2026-03-04T13:00'), 'next')).toEqual(['c'])
    expect(scheduleUsers(schedule, at('2026-03-04T13:00'), 'previous')).toEqual(['c'])
    // Before anyone was ever on call there is no previous person.
    expect(scheduleUsers(schedule, at('2026-03-02T10:00'), 'previous')).toEqual([])
  })

  it('a disabled schedule has nobody', () => {
    expect(scheduleUsers({ ...schedule, enabled: false }, at('2026-03-03T10:00'), 'default')).toEqual([])
  })
})
