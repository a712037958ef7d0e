import { describe, expect, it } from 'vitest'
import { moveTo, positionChanges } from '../../core/ordering/positions'

describe('ordered positions', () => {
  it('moves an item, clamping the position to the list', () => {
    expect(moveTo(['a', 'b', 'c'], 'c', 0)).toEqual(['c', 'a', 'b'])
    expect(moveTo(['a', 'b', 'c'], 'a', 9)).toEqual(['b', 'c', 'a'])
    expect(moveTo(['a', 'b'], 'n', 1)).toEqual(['a', 'n', 'b'])
    expect(moveTo(['a', 'b'], 'b', -3)).toEqual(['b', 'a'])
  })

  it('lists only the positions that change', () => {
    const current = new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ])
    expect(positionChanges(current, ['a', 'c', 'b'])).toEqual([
      { id: 'c', position: 1 },
      { id: 'b', position: 2 },
    ])
    expect(positionChanges(current, ['a', 'b', 'c'])).toEqual([])
  })
})
