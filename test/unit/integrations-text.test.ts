import { describe, expect, it } from 'vitest'
import { parsePointer, resolvePointer } from '../../core/integrations/pointer'
import { labelPriority, parsePriority, severityPriority } from '../../core/integrations/priority'
import {
  clip,
  codePointLength,
  cut,
  DETAIL_VALUE_MAX,
  detailsSize,
  labelTags,
  limitDetails,
  limitTags,
  singleLine,
} from '../../core/integrations/text'
import { fieldPath, prefixed } from '../../core/integrations/validate'

describe('cut and clip', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('abc')).toBe(3)
    expect(codePointLength('🔥🔥')).toBe(2)
    expect('🔥🔥'.length).toBe(4)
    expect(codePointLength('\ud800x')).toBe(2) // a lone surrogate is one code point
  })

  it('leaves short strings alone and ends cut ones with an ellipsis within the limit', () => {
    expect(cut('hello', 5)).toBe('hello')
    expect(cut('hello!', 5)).toBe('hell…')
    expect(cut('hello', 1)).toBe('…')
    expect(cut('anything', 0)).toBe('')
  })

  it('never splits a surrogate pair', () => {
    const s = '🚨'.repeat(200)
    const c = cut(s, 130)
    expect(codePointLength(c)).toBe(130)
    expect(c.endsWith('🚨…')).toBe(true)
    expect(c.length).toBe(129 * 2 + 1)
    // 130 astral characters are 260 UTF-16 units but exactly the limit: not cut.
    expect(cut('😀'.repeat(130), 130)).toBe('😀'.repeat(130))
  })

  it('clips identifiers without a marker', () => {
    expect(clip('abcdef', 3)).toBe('abc')
    expect(clip('ab', 3)).toBe('ab')
    expect(clip('𝔸𝔹ℂ', 2)).toBe('𝔸𝔹')
  })

  it('puts titles on one line', () => {
    expect(singleLine('  Disk\n  almost\tfull  ')).toBe('Disk almost full')
  })
})

describe('labelTags', () => {
  it('puts alertname, severity, instance and job first, then the rest by key, skipping internal labels', () => {
    const tags = labelTags({
      zone: 'eu-1',
      job: 'node',
      __alert_rule_uid__: 'abc',
      instance: 'web-1:9100',
      alertname: 'HighCPU',
      app: 'shop',
      severity: 'critical',
      empty: '',
    })
    expect(tags).toEqual([
      'alertname:HighCPU',
      'severity:critical',
      'instance:web-1:9100',
      'job:node',
      'app:shop',
      'zone:eu-1',
    ])
  })

  it('keeps at most 20 tags of at most 50 code points, dropping the last keys in key order', () => {
    const labels: Record<string, string> = { alertname: 'X' }
    for (let i = 0; i < 30; i++) labels[`label_${String(i).padStart(2, '0')}`] = `v${i}`
    labels.long = 'ü'.repeat(80)
    const tags = labelTags(labels)
    expect(tags).toHaveLength(20)
    expect(tags[0]).toBe('alertname:X')
    expect(tags[1]).toBe('label_00:v0')
    expect(tags.at(-1)).toBe('label_18:v18')
    expect(tags).not.toContain('label_19:v19')
    expect(tags.every((t) => codePointLength(t) <= 50)).toBe(true)
  })

  it('cuts long tags but keeps their key, and drops blanks and duplicates', () => {
    const long = `summary:${'x'.repeat(100)}`
    expect(limitTags([long, ' a ', '', 'a', '   '])).toEqual([`summary:${'x'.repeat(41)}…`, 'a'])
  })
})

describe('limitDetails', () => {
  it('stringifies values and keeps own keys only', () => {
    const d = limitDetails(JSON.parse('[["n",1],["b",true],["o",{"a":[1]}],["__proto__","x"],["s","t"]]'))
    expect(d).toEqual(JSON.parse('{"n":"1","b":"true","o":"{\\"a\\":[1]}","__proto__":"x","s":"t"}'))
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype)
    expect(Object.hasOwn(d, '__proto__')).toBe(true)
  })

  it('stays within 8000 code points, skipping entries that do not fit and keeping smaller later ones', () => {
    const entries: [string, string][] = []
    for (let i = 0; i < 20; i++) entries.push([`k${i}`, 'v'.repeat(500)])
    entries.push(['huge', 'h'.repeat(5000)])
    entries.push(['small', 'ok'])
    const d = limitDetails(entries)
    expect(detailsSize(d)).toBeLessThanOrEqual(8000)
    // k0..k14 use 7 535; `huge` (cut to 1 000) no longer fits, the two-letter `small` still does.
    expect(d.huge).toBeUndefined()
    expect(d.small).toBe('ok')
    expect(Object.keys(d)).toContain('k14')
    expect(Object.keys(d)).not.toContain('k15')
  })

  it('cuts a single giant value to 1000 code points so it cannot starve the rest', () => {
    const d = limitDetails([
      ['description', 'd'.repeat(20_000)],
      ['team', 'ops'],
    ])
    expect(codePointLength(d.description ?? '')).toBe(DETAIL_VALUE_MAX)
    expect(d.team).toBe('ops')
  })

  it('keeps the first occurrence of a key', () => {
    expect(
      limitDetails([
        ['a', '1'],
        ['a', '2'],
      ]),
    ).toEqual({ a: '1' })
  })
})

describe('JSON pointer (RFC 6901 §5 examples)', () => {
  const doc = JSON.parse(
    '{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\\\j":5,"k\\"l":6," ":7,"m~n":8}',
  )
  it.each([
    ['', doc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('%j resolves', (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual(expected)
  })

  it('unescapes ~1 before ~0', () => {
    expect(parsePointer('/~01')).toEqual(['~1'])
    expect(resolvePointer({ '~1': 'tilde-one', '/': 'slash' }, '/~01')).toBe('tilde-one')
  })

  it('finds nothing for malformed pointers, bad indexes and inherited properties', () => {
    expect(parsePointer('foo')).toBeUndefined()
    expect(parsePointer('/a~2')).toBeUndefined()
    expect(parsePointer('/a~')).toBeUndefined()
    expect(resolvePointer(doc, '/foo/2')).toBeUndefined()
    expect(resolvePointer(doc, '/foo/-')).toBeUndefined()
    expect(resolvePointer(doc, '/foo/01')).toBeUndefined()
    expect(resolvePointer(doc, '/foo/0/x')).toBeUndefined()
    expect(resolvePointer({}, '/constructor')).toBeUndefined()
    expect(resolvePointer({}, '/__proto__')).toBeUndefined()
    expect(resolvePointer({ a: null }, '/a')).toBeNull()
  })
})

describe('priority', () => {
  it('parses P1..P5 and 1..5 in any case', () => {
    expect(parsePriority('P1')).toBe('P1')
    expect(parsePriority(' p4 ')).toBe('P4')
    expect(parsePriority('5')).toBe('P5')
    expect(parsePriority(2)).toBe('P2')
    expect(parsePriority('P6')).toBeUndefined()
    expect(parsePriority('P')).toBeUndefined()
  })

  it('maps severity words and leaves unknown ones unset', () => {
    expect(severityPriority('Critical')).toBe('P1')
    expect(severityPriority('error')).toBe('P2')
    expect(severityPriority('high')).toBe('P2')
    expect(severityPriority('WARNING')).toBe('P3')
    expect(severityPriority('warn')).toBe('P3')
    expect(severityPriority('info')).toBe('P4')
    expect(severityPriority('low')).toBe('P4')
    expect(severityPriority('none')).toBe('P5')
    expect(severityPriority('debug')).toBe('P5')
    expect(severityPriority('page')).toBeUndefined()
    expect(severityPriority('constructor')).toBeUndefined()
  })

  it('prefers an explicit priority label over severity', () => {
    expect(labelPriority({ priority: 'P2', severity: 'info' })).toBe('P2')
    expect(labelPriority({ priority: 'urgent', severity: 'warning' })).toBe('P3')
    expect(labelPriority({ og_priority: 'P1' }, ['priority', 'og_priority'])).toBe('P1')
    expect(labelPriority({ team: 'x' })).toBeUndefined()
  })
})

describe('error paths', () => {
  it('reads TypeBox pointers as field paths', () => {
    expect(fieldPath('/alerts/2/fingerprint')).toBe('alerts[2].fingerprint')
    expect(fieldPath('/alerts/0/labels/a~1b')).toBe('alerts[0].labels["a/b"]')
    expect(fieldPath('')).toBe('')
    expect(prefixed('[3]', 'alias')).toBe('[3].alias')
    expect(prefixed('', 'alias')).toBe('alias')
  })
})
