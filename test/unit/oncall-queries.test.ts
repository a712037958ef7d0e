import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import type { Schedule } from '../../core/model/schedule'
import {
  flattenTimeline,
  gaps,
  nextOnCall,
  onCallAt,
  opsgenieDate,
  overrideSegments,
  type Period,
  timeline,
  toOpsgenieTimeline,
} from '../../core/oncall'

const Z = 'Europe/Berlin'
const at = (iso: string): number => DateTime.fromISO(iso, { zone: Z }).toMillis()
const local = (t: number): string => DateTime.fromMillis(t, { zone: Z }).toFormat("MM-dd'T'HH:mm")
const who = (p: Period): string =>
  `${p.participant.type === 'user' ? p.participant.id : '-'}${p.overrideId ? `(${p.overrideId})` : ''}`
const show = (ps: Period[]): string[] => ps.map((p) => `${local(p.start)}–${local(p.end)} ${who(p)}`)

/** Weekly primary a/b/c from Monday 2026-03-02 09:00; daily business-hours d/none/e restricted to 09–17. */
const schedule: Schedule = {
  id: 's1',
  name: 'Platform',
  description: '',
  timezone: Z,
  enabled: true,
  rotations: [
    {
      id: 'r1',
      name: 'primary',
      type: 'weekly',
      length: 1,
      startDate: '2026-03-02T09:00',
      participants: [
        { type: 'user', id: 'a' },
        { type: 'user', id: 'b' },
        { type: 'user', id: 'c' },
      ],
    },
    {
      id: 'r2',
      name: 'business hours',
      type: 'daily',
      length: 1,
      startDate: '2026-03-02T09:00',
      participants: [{ type: 'user', id: 'd' }, { type: 'none' }, { type: 'user', id: 'e' }],
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
      },
    },
  ],
  overrides: [
    {
      id: 'ov1',
      userId: 'x',
      start: at('2026-03-04T12:00'),
      end: at('2026-03-05T12:00'),
      rotationIds: ['r1'],
    },
    { id: 'ov2', userId: 'y', start: at('2026-03-04T14:00'), end: at('2026-03-04T15:00') },
    {
      id: 'ov3',
      userId: 'z',
      start: at('2026-03-04T20:00'),
      end: at('2026-03-04T22:00'),
      rotationIds: ['r2'],
    },
  ],
}

describe('onCallAt', () => {
  it('answers per rotation and flattened, with overrides winning', () => {
    const q = (iso: string) => {
      const r = onCallAt(schedule, at(iso))
      return [
        r.rotations.map((x) =>
          x.participant ? (x.participant.type === 'user' ? x.participant.id : '-') : null,
        ),
        r.userIds,
      ]
    }
    expect(q('2026-03-02T08:59')).toEqual([[null, null], []])
    expect(q('2026-03-03T10:00')).toEqual([['a', '-'], ['a']])
    expect(q('2026-03-04T10:00')).toEqual([
      ['a', 'e'],
      ['a', 'e'],
    ])
    expect(q('2026-03-04T13:00')).toEqual([
      ['x', 'e'],
      ['x', 'e'],
    ])
    // ov2 names no rotation, so it replaces both, and the flattened set is deduplicated.
    expect(q('2026-03-04T14:30')).toEqual([['y', 'y'], ['y']])
    // Outside 09–17 the restricted rotation covers nobody, and ov3 has nothing to replace.
    expect(q('2026-03-04T21:00')).toEqual([['x', null], ['x']])
  })

  it('reports the slot and the override', () => {
    const r = onCallAt(schedule, at('2026-03-04T14:30'))
    expect(r.rotations[0]).toEqual({
      rotationId: 'r1',
      participant: { type: 'user', id: 'y' },
      participantIndex: 0,
      overrideId: 'ov2',
    })
  })
})

describe('timeline', () => {
  const tl = timeline(schedule, at('2026-03-04T00:00'), at('2026-03-05T00:00'))

  it('splits base periods where overrides apply, cut to the range', () => {
    expect(show(tl.base[0]?.periods ?? [])).toEqual(['03-04T00:00–03-05T00:00 a'])
    expect(show(tl.base[1]?.periods ?? [])).toEqual(['03-04T09:00–03-04T17:00 e'])
    expect(show(tl.final[0]?.periods ?? [])).toEqual([
      '03-04T00:00–03-04T12:00 a',
      '03-04T12:00–03-04T14:00 x(ov1)',
      '03-04T14:00–03-04T15:00 y(ov2)',
      '03-04T15:00–03-05T00:00 x(ov1)',
    ])
    expect(show(tl.final[1]?.periods ?? [])).toEqual([
      '03-04T09:00–03-04T14:00 e',
      '03-04T14:00–03-04T15:00 y(ov2)',
      '03-04T15:00–03-04T17:00 e',
    ])
    expect(tl.final[0]?.periods[1]?.replaced).toEqual({ type: 'user', id: 'a' })
  })

  it('lists the overrides overlapping the range with their rotations spelled out', () => {
    expect(tl.overrides.map((o) => [o.overrideId, local(o.start), local(o.end), o.rotationIds])).toEqual([
      ['ov1', '03-04T12:00', '03-05T00:00', ['r1']],
      ['ov2', '03-04T14:00', '03-04T15:00', ['r1', 'r2']],
      ['ov3', '03-04T20:00', '03-04T22:00', ['r2']],
    ])
  })

  it('flattens to stretches with one set of users', () => {
    expect(
      flattenTimeline(tl.final, tl.from, tl.to).map(
        (f) => `${local(f.start)}–${local(f.end)} ${f.userIds.join(',')}`,
      ),
    ).toEqual([
      '03-04T00:00–03-04T09:00 a',
      '03-04T09:00–03-04T12:00 a,e',
      '03-04T12:00–03-04T14:00 x,e',
      '03-04T14:00–03-04T15:00 y',
      '03-04T15:00–03-04T17:00 x,e',
      '03-04T17:00–03-05T00:00 x',
    ])
  })

  it('is empty for an empty range', () => {
    const empty = timeline(schedule, at('2026-03-04T14:30'), at('2026-03-04T14:30'))
    expect(empty.final.map((r) => r.periods)).toEqual([[], []])
    expect(empty.overrides).toEqual([])
  })
})

describe('later overrides win', () => {
  it('flattens overlapping overrides by list order', () => {
    const segs = overrideSegments([
      { id: 'a', userId: 'A', start: 0, end: 100 },
      { id: 'b', userId: 'B', start: 20, end: 40 },
      { id: 'c', userId: 'C', start: 30, end: 60 },
      { id: 'empty', userId: 'E', start: 70, end: 70 },
    ])
    expect(segs.map((s) => [s.start, s.end, s.override.id])).toEqual([
      [0, 20, 'a'],
      [20, 30, 'b'],
      [30, 60, 'c'],
      [60, 100, 'a'],
    ])
  })
})

describe('nextOnCall', () => {
  it('finds the next different user per rotation, overrides included', () => {
    const next = nextOnCall(schedule, at('2026-03-03T10:00'))
    expect(
      next.map((n) => n.next && [n.rotationId, n.next.userId, local(n.next.start), n.next.overrideId]),
    ).toEqual([
      ['r1', 'x', '03-04T12:00', 'ov1'],
      ['r2', 'e', '03-04T09:00', undefined],
    ])
    const later = nextOnCall(schedule, at('2026-03-05T13:00'))
    expect(later.map((n) => n.next && [n.next.userId, local(n.next.start)])).toEqual([
      ['b', '03-09T09:00'],
      // d is on now; Friday's turn is a none slot, so the next user is e on Saturday.
      ['e', '03-07T09:00'],
    ])
  })

  it('answers null when nobody else ever comes', () => {
    const solo: Schedule = {
      ...schedule,
      rotations: [
        {
          ...(schedule.rotations[0] as Schedule['rotations'][number]),
          participants: [{ type: 'user', id: 'a' }],
        },
      ],
      overrides: [],
    }
    expect(nextOnCall(solo, at('2026-03-03T10:00'), 60 * 86_400_000)).toEqual([
      { rotationId: 'r1', next: null },
    ])
  })
})

describe('gaps', () => {
  it('finds the time nobody is on call, none slots included', () => {
    const g = gaps(schedule, at('2026-03-02T00:00'), at('2026-03-02T12:00'))
    expect(g.map((r) => [local(r.start), local(r.end)])).toEqual([['03-02T00:00', '03-02T09:00']])
    const halfNone: Schedule = {
      ...schedule,
      rotations: [
        {
          ...(schedule.rotations[0] as Schedule['rotations'][number]),
          type: 'daily',
          participants: [{ type: 'user', id: 'a' }, { type: 'none' }],
        },
      ],
      overrides: [{ id: 'o', userId: 'q', start: at('2026-03-03T12:00'), end: at('2026-03-03T13:00') }],
    }
    expect(
      gaps(halfNone, at('2026-03-03T00:00'), at('2026-03-05T00:00')).map((r) => [
        local(r.start),
        local(r.end),
      ]),
    ).toEqual([
      ['03-03T09:00', '03-03T12:00'],
      ['03-03T13:00', '03-04T09:00'],
    ])
  })
})

describe('Opsgenie timeline mapping', () => {
  const tl = timeline(schedule, at('2026-03-04T00:00'), at('2026-03-05T00:00'))

  it('maps the final timeline with default and override periods in UTC', () => {
    const data = toOpsgenieTimeline(schedule, tl, { userName: (id) => `${id}@example.com` })
    expect(data._parent).toEqual({ id: 's1', name: 'Platform', enabled: true })
    expect(data.startDate).toBe('2026-03-03T23:00:00Z')
    expect(data.baseTimeline).toBeUndefined()
    const r1 = data.finalTimeline.rotations[0]
    expect(r1 && [r1.id, r1.name, r1.order, r1.periods.length]).toEqual(['r1', 'primary', 0, 4])
    expect(r1?.periods[1]).toEqual({
      startDate: '2026-03-04T11:00:00Z',
      endDate: '2026-03-04T13:00:00Z',
      type: 'override',
      recipient: { id: 'x', type: 'user', name: 'x@example.com' },
    })
  })

  it('adds base and override timelines on request and leaves none turns out', () => {
    const noneDay = timeline(schedule, at('2026-03-03T00:00'), at('2026-03-04T00:00'))
    const data = toOpsgenieTimeline(schedule, noneDay, { expand: ['base', 'override'] })
    expect(data.baseTimeline?.rotations[1]?.periods).toEqual([])
    expect(data.overrideTimeline?.rotations.map((r) => r.periods.length)).toEqual([0, 0])
    const full = toOpsgenieTimeline(schedule, tl, { expand: ['override'] })
    expect(full.overrideTimeline?.rotations[1]?.periods.map((p) => [p.recipient.id, p.type])).toEqual([
      ['y', 'override'],
    ])
    expect(opsgenieDate(Date.UTC(2026, 0, 1, 9, 30))).toBe('2026-01-01T09:30:00Z')
  })
})
