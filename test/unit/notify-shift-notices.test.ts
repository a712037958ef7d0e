import { describe, expect, it } from 'vitest'
import { noticeKey, shiftEdges, userShifts } from '../../core/notify/shift-notices'
import type { RotationPeriods } from '../../core/oncall/types'

const H = 3600_000
const user = (id: string) => ({ type: 'user' as const, id })

describe('shift notices', () => {
  const rotations: RotationPeriods[] = [
    {
      rotationId: 'r1',
      periods: [
        { start: 0, end: 8 * H, participant: user('alice') },
        { start: 8 * H, end: 16 * H, participant: user('bob') },
        { start: 16 * H, end: 24 * H, participant: { type: 'none' } },
      ],
    },
    // alice also holds a second rotation right after her first turn: one shift 0–12 h.
    { rotationId: 'r2', periods: [{ start: 8 * H, end: 12 * H, participant: user('alice') }] },
  ]

  it("merges a user's touching periods across rotations into one shift", () => {
    expect(userShifts(rotations)).toEqual(
      new Map([
        ['alice', [{ start: 0, end: 12 * H }]],
        ['bob', [{ start: 8 * H, end: 16 * H }]],
      ]),
    )
  })

  it('reports edges inside the window, never at the timeline bounds', () => {
    const edges = shiftEdges(rotations, { from: 0, to: 24 * H }, 0, 24 * H)
    expect(edges.map((e) => [e.kind, e.userId, e.at])).toEqual([
      ['schedule-start', 'bob', 8 * H],
      ['schedule-end', 'alice', 12 * H],
      ['schedule-end', 'bob', 16 * H],
    ])
    expect(shiftEdges(rotations, { from: -H, to: 24 * H }, 0, 10 * H).map((e) => [e.kind, e.userId])).toEqual(
      [
        ['schedule-start', 'alice'],
        ['schedule-start', 'bob'],
      ],
    )
  })

  it('keys a notice by schedule, kind, user and shift', () => {
    const [e] = shiftEdges(rotations, { from: 0, to: 24 * H }, 0, 24 * H)
    expect(noticeKey('s1', e as never)).toBe(`schedule-start:s1:bob:${8 * H}:${16 * H}`)
  })
})
