import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mapAlertmanagerWebhook } from '../../core/integrations/alertmanager'
import type { MapResult } from '../../core/integrations/commands'
import { mapGenericWebhook } from '../../core/integrations/generic'
import { mapGrafanaWebhook } from '../../core/integrations/grafana'
import { resolvePointer } from '../../core/integrations/pointer'
import {
  codePointLength,
  cut,
  detailsSize,
  ELLIPSIS,
  labelTags,
  limitDetails,
} from '../../core/integrations/text'
import type { GenericMappingConfig } from '../../core/model/integration-config'
import { ALERT_LIMITS as L } from '../../core/model/limits'

// Strings that stress code point handling: astral characters, lone surrogates, whitespace, pointer syntax.
const nasty = fc.constantFrom(
  'a',
  'Z',
  ' ',
  '\n',
  '~',
  '/',
  '…',
  'ü',
  '\ud83d',
  '\ude00',
  '😀',
  '𝔸',
  '\u200d',
)
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: nasty, maxLength }),
  )
const labelMap = fc.dictionary(text(40), text(400), { maxKeys: 50 })
const someLabels = fc.oneof(
  labelMap,
  fc.dictionary(
    fc.constantFrom('alertname', 'severity', 'instance', 'job', 'priority', 'og_priority'),
    text(80),
  ),
)

// Alertmanager always sends `labels`, so its schema requires them; Grafana's lenient one does not.
const promAlert = (status: fc.Arbitrary<string>, requiredKeys: ('status' | 'fingerprint' | 'labels')[]) =>
  fc.record(
    {
      status,
      labels: fc.oneof(someLabels, fc.constant(null)),
      annotations: fc.oneof(labelMap, someLabels, fc.constant(null)),
      fingerprint: text(700).filter((s) => s.length > 0),
      generatorURL: fc.oneof(fc.webUrl(), text(50)),
      startsAt: fc.constant('2024-01-01T00:00:00Z'),
      values: fc.dictionary(text(5), fc.jsonValue()),
    },
    { requiredKeys },
  )

const amBody = fc.record(
  {
    version: fc.oneof(fc.constant('4'), fc.jsonValue()),
    alerts: fc.array(promAlert(fc.constantFrom('firing', 'resolved'), ['status', 'fingerprint', 'labels']), {
      maxLength: 5,
    }),
    externalURL: fc.oneof(fc.webUrl(), text(300)),
    truncatedAlerts: fc.nat(),
  },
  { requiredKeys: ['alerts'] },
)
const grafanaBody = fc.record(
  {
    status: fc.constantFrom('firing', 'resolved', 'weird'),
    alerts: fc.array(promAlert(fc.constantFrom('firing', 'resolved', 'alerting', 'ok'), ['fingerprint']), {
      maxLength: 5,
    }),
    externalURL: fc.oneof(fc.webUrl(), text(300)),
  },
  { requiredKeys: ['alerts'] },
)

// Pointers into the shapes `event` produces, plus some that lead nowhere or are malformed.
const pointer = fc.oneof(
  fc.constantFrom(
    '',
    '/',
    '/m',
    '/a/0',
    '/a/1/t',
    '/o',
    '/o/k',
    '/n',
    '/x~1y',
    '/x~0y',
    '/missing',
    'bad',
    '/a~2',
  ),
  fc
    .array(text(6), { maxLength: 3 })
    .map((ts) => ts.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')),
)
const event = fc.oneof(
  fc.jsonValue(),
  fc.record({
    m: fc.oneof(text(400), fc.integer(), fc.constant(null)),
    a: fc.array(fc.oneof(text(80), fc.record({ t: text(200) })), { maxLength: 40 }),
    o: fc.dictionary(text(30), fc.oneof(text(500), fc.jsonValue()), { maxKeys: 40 }),
    n: fc.double(),
    'x/y': fc.constantFrom('close', 'ACK', 'resolved', 'problem'),
    'x~y': text(100),
  }),
)
const genericConfig: fc.Arbitrary<GenericMappingConfig> = fc.record(
  {
    message: pointer,
    alias: pointer,
    priority: pointer,
    description: pointer,
    tags: pointer,
    details: pointer,
    entity: pointer,
    source: pointer,
    action: pointer,
    actionValues: fc.record(
      { close: fc.array(text(10)), acknowledge: fc.array(text(10)), create: fc.array(text(10)) },
      { requiredKeys: [] },
    ),
    priorityMap: fc.dictionary(text(10), fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5') as fc.Arbitrary<'P1'>),
  },
  { requiredKeys: ['message'] },
)

// Every result is a well-formed value, and every create it holds is within Opsgenie's limits.
function assertWellFormed(r: MapResult): void {
  if (!r.ok) {
    expect([400, 422]).toContain(r.status)
    expect(typeof r.message).toBe('string')
    for (const v of Object.values(r.errors)) expect(typeof v).toBe('string')
    return
  }
  for (const c of r.commands) {
    if (c.kind !== 'create') {
      expect(['close', 'acknowledge']).toContain(c.kind)
      expect(c.alias.length).toBeGreaterThan(0)
      expect(codePointLength(c.alias)).toBeLessThanOrEqual(L.alias)
      continue
    }
    const p = c.payload
    expect(codePointLength(p.message)).toBeLessThanOrEqual(L.message)
    expect(p.message).not.toMatch(/\n/)
    if (p.alias !== undefined) expect(codePointLength(p.alias)).toBeLessThanOrEqual(L.alias)
    if (p.description !== undefined) expect(codePointLength(p.description)).toBeLessThanOrEqual(L.description)
    if (p.entity !== undefined) expect(codePointLength(p.entity)).toBeLessThanOrEqual(L.entity)
    if (p.source !== undefined) expect(codePointLength(p.source)).toBeLessThanOrEqual(L.source)
    if (p.priority !== undefined) expect(p.priority).toMatch(/^P[1-5]$/)
    const tags = p.tags ?? []
    expect(tags.length).toBeLessThanOrEqual(L.tagCount)
    for (const t of tags) expect(codePointLength(t)).toBeLessThanOrEqual(L.tagLength)
    const details = (p.details ?? {}) as Record<string, string>
    for (const v of Object.values(details)) expect(typeof v).toBe('string')
    expect(detailsSize(details)).toBeLessThanOrEqual(L.detailsTotal)
  }
}

describe('mappers on arbitrary JSON', () => {
  it('never throw and always return a result', () => {
    fc.assert(
      fc.property(fc.jsonValue(), genericConfig, (body, config) => {
        assertWellFormed(mapAlertmanagerWebhook(body))
        assertWellFormed(mapGrafanaWebhook(body))
        assertWellFormed(mapGenericWebhook(body, config))
      }),
      { numRuns: 300 },
    )
  })

  it('survive values JSON.parse can produce that generators rarely do', () => {
    const bodies = [
      '{"__proto__":{"alerts":[]}}',
      '{"version":"4","alerts":[{"status":"firing","labels":{"__proto__":"x","constructor":"y"},"fingerprint":"f"}]}',
      '[[],[[]]]',
      '"x"',
      'null',
      '1e308',
    ]
    for (const json of bodies) {
      const body: unknown = JSON.parse(json)
      assertWellFormed(mapAlertmanagerWebhook(body))
      assertWellFormed(mapGrafanaWebhook(body))
      assertWellFormed(mapGenericWebhook(body, { message: '/version' }))
    }
  })
})

describe('created alerts respect the limits', () => {
  it('Alertmanager', () => {
    fc.assert(
      fc.property(amBody, fc.option(text(120), { nil: undefined }), (body, aliasPrefix) => {
        const r = mapAlertmanagerWebhook(body, { aliasPrefix })
        assertWellFormed(r)
        if (body.version === '4') expect(r.ok).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('Grafana', () => {
    fc.assert(
      fc.property(grafanaBody, (body) => assertWellFormed(mapGrafanaWebhook(body))),
      { numRuns: 200 },
    )
  })

  it('generic', () => {
    fc.assert(
      fc.property(fc.oneof(event, fc.array(event, { maxLength: 5 })), genericConfig, (body, config) => {
        assertWellFormed(mapGenericWebhook(body, config, { aliasPrefix: 'p-' }))
      }),
      { numRuns: 300 },
    )
  })
})

describe('text helpers', () => {
  it('cut keeps short strings and marks cut ones within the limit', () => {
    fc.assert(
      fc.property(text(300), fc.integer({ min: 0, max: 200 }), (s, max) => {
        const c = cut(s, max)
        expect(codePointLength(c)).toBeLessThanOrEqual(max)
        if (codePointLength(s) <= max) expect(c).toBe(s)
        else if (max > 0) {
          expect(c.endsWith(ELLIPSIS)).toBe(true)
          expect(s.startsWith(c.slice(0, -1))).toBe(true)
          expect(codePointLength(c)).toBe(max)
        }
      }),
    )
  })

  it('labelTags and limitDetails are deterministic and within limits for any labels', () => {
    fc.assert(
      fc.property(labelMap, (labels) => {
        const tags = labelTags(labels)
        expect(labelTags({ ...labels })).toEqual(tags)
        expect(tags.length).toBeLessThanOrEqual(L.tagCount)
        const d = limitDetails(Object.entries(labels))
        expect(detailsSize(d)).toBeLessThanOrEqual(L.detailsTotal)
        // Nothing is invented: every kept key is a label.
        for (const k of Object.keys(d)) expect(Object.hasOwn(labels, k)).toBe(true)
      }),
    )
  })

  it('a pointer built by escaping any keys finds the value placed there', () => {
    fc.assert(
      fc.property(fc.array(text(8), { minLength: 1, maxLength: 4 }), fc.jsonValue(), (keys, leaf) => {
        let doc: unknown = leaf
        for (const k of [...keys].reverse()) doc = Object.fromEntries([[k, doc]])
        const p = keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
        expect(resolvePointer(doc, p)).toEqual(leaf)
      }),
    )
  })
})
