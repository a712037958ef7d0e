import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeCreate, normalizeDetails, normalizeTags } from '../../core/alerts/normalize'

const defaults = { source: '10.0.0.1', user: 'key' }

describe('normalizeCreate', () => {
  it('fills Opsgenie defaults', () => {
    const r = normalizeCreate({ message: ' hi ' }, defaults)
    expect(r).toMatchObject({
      ok: true,
      value: {
        message: 'hi',
        priority: 'P3',
        source: '10.0.0.1',
        user: 'key',
        tags: [],
        details: {},
        description: '',
      },
    })
    if (r.ok) expect(r.value.alias).toBeUndefined()
  })

  it('cuts strings to their limits in code points and notes the cut message', () => {
    const r = normalizeCreate(
      { message: '🚨'.repeat(200), alias: 'a'.repeat(600), entity: 'e'.repeat(600) },
      defaults,
    )
    if (!r.ok) throw new Error('expected ok')
    expect(Array.from(r.value.message)).toHaveLength(130)
    expect(r.value.alias).toHaveLength(512)
    expect(r.value.entity).toHaveLength(512)
    expect(r.value.notices.join()).toMatch(/cut to 130/)
  })

  it('accepts P1–P5 and 1–5 in any case, and maps anything else to P3 with a notice', () => {
    const p = (priority: string) => {
      const r = normalizeCreate({ message: 'm', priority }, defaults)
      return r.ok ? [r.value.priority, r.value.notices.length] : undefined
    }
    expect(p('p1')).toEqual(['P1', 0])
    expect(p('4')).toEqual(['P4', 0])
    expect(p('')).toEqual(['P3', 0])
    expect(p('urgent')).toEqual(['P3', 1])
  })

  it('rejects what cannot be repaired, naming each field', () => {
    const r = normalizeCreate(
      {
        message: 'm',
        tags: Array.from({ length: 25 }, (_, i) => `t${i}`),
        responders: [{ type: 'robot', id: 'x' }, { type: 'team' }],
      },
      defaults,
    )
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.errors).sort()).toEqual(['responders[0].type', 'responders[1]', 'tags'])
  })

  it('keeps tags unique and cut to 50, and details as strings within 8,000 characters', () => {
    expect(normalizeTags(['a', 'a', ' ', 'x'.repeat(60)])).toEqual({ ok: true, value: ['a', 'x'.repeat(50)] })
    expect(normalizeDetails({ n: 1, b: true, o: { a: 1 }, z: null })).toEqual({
      ok: true,
      value: { n: '1', b: 'true', o: '{"a":1}', z: '' },
    })
    expect(normalizeDetails({ k: 'v'.repeat(8000) }).ok).toBe(false)
  })

  it('always yields a value within every limit or per-field errors (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          message: fc.string({ maxLength: 300 }),
          alias: fc.option(fc.string({ maxLength: 600 }), { nil: undefined }),
          tags: fc.option(fc.array(fc.string({ maxLength: 80 }), { maxLength: 25 }), { nil: undefined }),
          priority: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        }),
        (payload) => {
          const r = normalizeCreate(payload, defaults)
          if (!r.ok) return Object.keys(r.errors).length > 0
          return (
            Array.from(r.value.message).length <= 130 &&
            r.value.message.length > 0 &&
            (r.value.alias === undefined || Array.from(r.value.alias).length <= 512) &&
            r.value.tags.length <= 20 &&
            r.value.tags.every((t) => Array.from(t).length <= 50) &&
            ['P1', 'P2', 'P3', 'P4', 'P5'].includes(r.value.priority)
          )
        },
      ),
    )
  })
})
