import { describe, expect, it } from 'vitest'
import { newId } from '../../core/ids/ids'

describe('newId', () => {
  it('is a UUID version 7 carrying the given millisecond time', () => {
    const at = Date.UTC(2026, 10, 27, 12, 0, 0, 123)
    const id = newId(at)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at)
  })

  it('sorts by time across milliseconds and stays unique within one', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newId(1_700_000_000_000 + Math.floor(i / 10)))
    expect(new Set(ids).size).toBe(1000)
    const prefixes = ids.map((id) => id.slice(0, 13))
    expect([...prefixes].sort()).toEqual(prefixes)
  })
})
