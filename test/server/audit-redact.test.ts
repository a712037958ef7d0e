import { describe, expect, it } from 'vitest'
import { parseInstant } from '../../core/model/audit'
import { actorOf, originOf, SYSTEM_ACTOR, systemOrigin } from '../../server/audit/record'
import { isDeniedField, looksSecret, REDACTED, redact } from '../../server/audit/redact'
import { hashToken, newIntegrationKey, newSessionToken } from '../../server/auth/tokens'

describe('audit redaction', () => {
  it('replaces denied fields at any depth, whatever their spelling', () => {
    const input = {
      username: 'ann@example.com',
      password: 'hunter2 hunter2',
      password_hash: 'x',
      nested: { passwordHash: 'x', 'Current-Password': 'x', list: [{ apiKey: 'k', key_hash: 'h' }] },
      token: 't',
      token_hash: 'h',
      sessionToken: 's',
      clientSecret: 'c',
      Authorization: 'GenieKey abc',
    }
    expect(redact(input)).toEqual({
      username: 'ann@example.com',
      password: REDACTED,
      password_hash: REDACTED,
      nested: {
        passwordHash: REDACTED,
        'Current-Password': REDACTED,
        list: [{ apiKey: REDACTED, key_hash: REDACTED }],
      },
      token: REDACTED,
      token_hash: REDACTED,
      sessionToken: REDACTED,
      clientSecret: REDACTED,
      Authorization: REDACTED,
    })
  })

  it('keeps fields that only mention a secret', () => {
    const input = { hasPassword: true, keyHint: 'vgk_abcd…', passwordChanged: true, tokens: 3 }
    expect(redact(input)).toEqual(input)
    for (const name of ['hasPassword', 'keyHint', 'passwordChanged', 'keys', 'description']) {
      expect(isDeniedField(name), name).toBe(false)
    }
  })

  it('replaces secret-looking values under any name', () => {
    const key = newIntegrationKey()
    const argon = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'
    const input = {
      note: argon,
      text: `copied ${key} here`,
      digest: hashToken(newSessionToken()),
      header: 'Bearer abc.def',
      list: [key, 'plain'],
    }
    expect(redact(input)).toEqual({
      note: REDACTED,
      text: REDACTED,
      digest: REDACTED,
      header: REDACTED,
      list: [REDACTED, 'plain'],
    })
    expect(looksSecret('vgk_abcd…')).toBe(false)
    expect(looksSecret('a1b2c3d4-0000-4000-8000-000000000000')).toBe(false)
  })

  it('copies like JSON.stringify would, without touching the input', () => {
    const input = { a: undefined, f: () => 1, at: new Date(0), n: null, x: 1, deep: { password: 'p' } }
    const out = redact(input)
    expect(out).toEqual({ at: '1970-01-01T00:00:00.000Z', n: null, x: 1, deep: { password: REDACTED } })
    expect(input.deep.password).toBe('p')
    expect(redact('plain')).toBe('plain')
    expect(redact(null)).toBeNull()
    expect(redact(7)).toBe(7)
  })

  it('cuts off nesting deeper than any snapshot needs (and cycles)', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(() => JSON.stringify(redact(cyclic))).not.toThrow()
    expect(JSON.stringify(redact(cyclic))).toContain(REDACTED)
  })
})

describe('audit actors and instants', () => {
  it('names users and keys from the principal, and the system', () => {
    const teams = new Map()
    expect(
      actorOf({ kind: 'user', userId: 'u1', username: 'a@b.c', role: 'admin', sessionId: 's', teams }),
    ).toEqual({ kind: 'user', id: 'u1', name: 'a@b.c' })
    const key = {
      kind: 'key' as const,
      integrationId: 'i1',
      integrationName: 'CI',
      integrationType: 'API',
      teamId: 't',
      access: { read: true, write: true, delete: true, configuration: true },
      rateLimitPerMinute: 0,
    }
    expect(actorOf(key)).toEqual({ kind: 'key', id: 'i1', name: 'CI' })
    const clock = { now: () => 42 }
    expect(originOf({ principal: key, id: 'req-1' }, clock)).toEqual({
      at: 42,
      actor: { kind: 'key', id: 'i1', name: 'CI' },
      requestId: 'req-1',
    })
    expect(systemOrigin(clock)).toEqual({ at: 42, actor: SYSTEM_ACTOR, requestId: null })
  })

  it('parses ISO-8601 and epoch milliseconds, and nothing looser', () => {
    expect(parseInstant('1767225600000')).toBe(Date.UTC(2026, 0, 1))
    expect(parseInstant('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1))
    expect(parseInstant('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1))
    expect(parseInstant('2026-01-01')).toBe(Date.UTC(2026, 0, 1))
    expect(parseInstant('Jan 1 2026')).toBeUndefined()
    expect(parseInstant('2026-13-45')).toBeUndefined()
    expect(parseInstant('soon')).toBeUndefined()
  })
})
