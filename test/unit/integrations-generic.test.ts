import { describe, expect, it } from 'vitest'
import type { InboundCommand, MapResult } from '../../core/integrations/commands'
import {
  GENERIC_BATCH_LIMIT,
  mapGenericWebhook,
  validateGenericMappingConfig,
} from '../../core/integrations/generic'
import { codePointLength } from '../../core/integrations/text'
import type { CreateAlertPayload } from '../../core/model/alert'
import type { GenericMappingConfig } from '../../core/model/integration-config'

// A monitoring tool that posts one JSON object per check state change (Uptime-Kuma/Zabbix-like).
const config: GenericMappingConfig = {
  message: '/check/title',
  alias: '/check/id',
  priority: '/check/level',
  description: '/check/output',
  tags: '/check/tags',
  details: '/check/meta',
  entity: '/host/name',
  source: '/origin',
  action: '/event',
  priorityMap: { DISASTER: 'P1', average: 'P3' },
}

const down = {
  event: 'PROBLEM',
  origin: 'zabbix-eu',
  host: { name: 'db-1' },
  check: {
    id: 4711,
    title: 'PostgreSQL replication lag > 30s',
    level: 'disaster',
    output: 'lag=42s\nreplica=db-2',
    tags: ['db', 'postgres', 'eu'],
    meta: { lag_seconds: 42, replica: 'db-2', ok: false, nested: { a: 1 } },
  },
}

function commands(r: MapResult): InboundCommand[] {
  if (!r.ok) throw new Error(`expected success, got ${r.status} ${r.message}`)
  return r.commands
}

function create(c: InboundCommand | undefined): CreateAlertPayload {
  if (c?.kind !== 'create') throw new Error(`expected a create, got ${c?.kind}`)
  return c.payload
}

function fail(r: MapResult) {
  if (r.ok) throw new Error('expected a failure')
  return r
}

describe('mapGenericWebhook', () => {
  it('maps every configured field', () => {
    const [cmd] = commands(mapGenericWebhook(down, config, { aliasPrefix: 'zbx-' }))
    expect(create(cmd)).toEqual({
      message: 'PostgreSQL replication lag > 30s',
      alias: 'zbx-4711',
      priority: 'P1',
      description: 'lag=42s\nreplica=db-2',
      tags: ['db', 'postgres', 'eu'],
      details: { lag_seconds: '42', replica: 'db-2', ok: 'false', nested: '{"a":1}' },
      entity: 'db-1',
      source: 'zabbix-eu',
    })
  })

  it('closes and acknowledges by alias on matching action values, case-insensitively', () => {
    expect(commands(mapGenericWebhook({ ...down, event: 'Resolved' }, config))).toEqual([
      { kind: 'close', alias: '4711', source: 'zabbix-eu' },
    ])
    expect(commands(mapGenericWebhook({ ...down, event: 'ACK' }, config))[0]).toMatchObject({
      kind: 'acknowledge',
      alias: '4711',
    })
    const custom = { ...config, actionValues: { close: ['RECOVERY'], acknowledge: ['taken'] } }
    expect(commands(mapGenericWebhook({ ...down, event: 'recovery' }, custom))[0]?.kind).toBe('close')
    expect(commands(mapGenericWebhook({ ...down, event: 'Taken' }, custom))[0]?.kind).toBe('acknowledge')
    // A configured list replaces the defaults for that action.
    expect(commands(mapGenericWebhook({ ...down, event: 'resolved' }, custom))[0]?.kind).toBe('create')
  })

  it('ignores values outside every list when a create list is configured', () => {
    const strict = { ...config, actionValues: { create: ['problem'] } }
    expect(commands(mapGenericWebhook({ ...down, event: 'INFO' }, strict))).toEqual([])
    expect(commands(mapGenericWebhook(down, strict))[0]?.kind).toBe('create')
  })

  it('accepts tags as a comma-separated string and skips non-text items in arrays', () => {
    const p = create(
      commands(mapGenericWebhook({ ...down, check: { ...down.check, tags: ' a, b ,,c ' } }, config))[0],
    )
    expect(p.tags).toEqual(['a', 'b', 'c'])
    const q = create(
      commands(mapGenericWebhook({ ...down, check: { ...down.check, tags: ['x', 1, {}, null] } }, config))[0],
    )
    expect(q.tags).toEqual(['x', '1'])
  })

  it('maps priorities through priorityMap, then P/digit forms, then severity words', () => {
    const at = (level: unknown) =>
      create(commands(mapGenericWebhook({ ...down, check: { ...down.check, level } }, config))[0]).priority
    expect(at('Average')).toBe('P3')
    expect(at('p2')).toBe('P2')
    expect(at(4)).toBe('P4')
    expect(at('critical')).toBe('P1')
    expect(at('whatever')).toBeUndefined()
  })

  it('needs only the message pointer, which may address array items and escaped keys', () => {
    const body = { 'a/b': [{ 'm~n': 'Escaped ✓' }] }
    expect(commands(mapGenericWebhook(body, { message: '/a~1b/0/m~0n' }))).toEqual([
      { kind: 'create', payload: { message: 'Escaped ✓' } },
    ])
  })

  it('cuts long messages to 130 code points and keeps numeric messages', () => {
    const long = create(commands(mapGenericWebhook({ t: '😱'.repeat(300) }, { message: '/t' }))[0])
    expect(codePointLength(long.message)).toBe(130)
    expect(create(commands(mapGenericWebhook({ t: 503 }, { message: '/t' }))[0]).message).toBe('503')
  })

  it('maps a batch atomically, in order', () => {
    const cmds = commands(mapGenericWebhook([down, { ...down, event: 'OK' }], config))
    expect(cmds.map((c) => c.kind)).toEqual(['create', 'close'])
    expect(commands(mapGenericWebhook([], config))).toEqual([])
  })
})

describe('mapGenericWebhook errors', () => {
  it('names the pointer when the message is missing or blank', () => {
    const r = fail(mapGenericWebhook({ check: {} }, config))
    expect(r.status).toBe(422)
    expect(r.errors).toEqual({ message: 'required: nothing at "/check/title"' })
    expect(r.message).toBe('Invalid generic webhook event: message: required: nothing at "/check/title"')
    expect(fail(mapGenericWebhook({ check: { title: ' \n ' } }, config)).errors).toEqual({
      message: 'required: only blank text at "/check/title"',
    })
  })

  it('requires an alias to close or acknowledge', () => {
    const { id: _, ...noId } = down.check
    expect(fail(mapGenericWebhook({ ...down, event: 'close', check: noId }, config)).errors).toEqual({
      alias: 'required to close: nothing at "/check/id"',
    })
    const { alias: __, ...noAlias } = config
    expect(fail(mapGenericWebhook({ ...down, event: 'ack' }, noAlias)).errors).toEqual({
      alias: 'required to acknowledge: the mapping has no alias pointer',
    })
  })

  it('reports wrongly typed values per field, and per event in a batch', () => {
    const bad = { ...down, host: { name: ['x'] }, check: { ...down.check, tags: { a: 1 }, meta: 'm' } }
    const r = fail(mapGenericWebhook([down, bad, { check: { title: { x: 1 } } }], config))
    expect(r.errors).toEqual({
      '[1].entity': '"/host/name" holds an array, expected text',
      '[1].tags': '"/check/tags" holds an object, expected an array or a comma-separated string',
      '[1].details': '"/check/meta" holds a string, expected an object',
      '[2].message': '"/check/title" holds an object, expected text',
    })
  })

  it('says the batch limit', () => {
    const r = fail(
      mapGenericWebhook(
        Array.from({ length: GENERIC_BATCH_LIMIT + 1 }, () => down),
        config,
      ),
    )
    expect(r.status).toBe(422)
    expect(r.message).toBe('Too many events in one request: at most 100, got 101')
    expect(
      commands(
        mapGenericWebhook(
          Array.from({ length: 100 }, () => down),
          config,
        ),
      ),
    ).toHaveLength(100)
  })

  it('rejects an invalid mapping instead of guessing', () => {
    const r = fail(mapGenericWebhook(down, { message: 'check.title' } as GenericMappingConfig))
    expect(r.errors.message).toMatch(/JSON pointer/)
  })
})

describe('validateGenericMappingConfig', () => {
  it('accepts a full config', () => {
    expect(validateGenericMappingConfig(config)).toEqual({ ok: true, config })
  })

  it('explains bad pointers, typos and bad priorities per field', () => {
    const r = validateGenericMappingConfig({
      message: '/ok',
      alias: 'no-slash',
      tags: '/bad~2escape',
      mesage: '/typo',
      priorityMap: { sev1: 'P0' },
      actionValues: { close: 'resolved' },
    })
    if (r.ok) throw new Error('expected a failure')
    expect(r.status).toBe(422)
    expect(r.errors).toEqual({
      alias: expect.stringMatching(/^must be a JSON pointer \(RFC 6901\)/),
      tags: expect.stringMatching(/^must be a JSON pointer/),
      mesage: 'unknown property',
      'priorityMap.sev1': 'must be "P1" or "P2" or "P3" or "P4" or "P5"',
      'actionValues.close': 'must be an array',
    })
  })

  it('requires the message pointer', () => {
    const r = validateGenericMappingConfig({})
    expect(r.ok ? {} : r.errors).toEqual({ message: 'required' })
    expect(validateGenericMappingConfig('x').ok).toBe(false)
  })
})
