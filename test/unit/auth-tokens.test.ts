import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { integrationUrls } from '../../core/model/integration'
import { isValidTimeZone, normalizeUsername } from '../../core/model/user'
import { ManualClock } from '../../core/time/clock'
import { parseAuthorization } from '../../server/auth/authenticate'
import { TtlCache } from '../../server/auth/cache'
import { keyFromValue } from '../../server/auth/keys'
import { generatePassword, hashPassword, verifyNothing, verifyPassword } from '../../server/auth/passwords'
import {
  hashToken,
  KEY_PREFIX,
  keyHint,
  newIntegrationKey,
  newSessionToken,
  randomToken,
} from '../../server/auth/tokens'

describe('tokens', () => {
  it('carries at least 128 random bits, base64url-encoded', () => {
    const t = newSessionToken()
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(t, 'base64url').length).toBe(32)
    const k = newIntegrationKey()
    expect(k.startsWith(KEY_PREFIX)).toBe(true)
    expect(Buffer.from(k.slice(KEY_PREFIX.length), 'base64url').length * 8).toBeGreaterThanOrEqual(128)
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('does not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newIntegrationKey()))
    expect(seen.size).toBe(1000)
  })

  it('hashes to sha256 hex, deterministically', () => {
    const h = hashToken('abc')
    expect(h).toBe(createHash('sha256').update('abc').digest('hex'))
    expect(h).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hashToken('abd')).not.toBe(h)
  })

  it('gives a hint that is a short prefix, never the key', () => {
    const key = newIntegrationKey()
    const hint = keyHint(key)
    expect(hint.startsWith(key.slice(0, 8))).toBe(true)
    expect(hint.length).toBeLessThan(12)
    const stored = keyFromValue(key)
    expect(stored.hash).toBe(hashToken(key))
    expect(JSON.stringify({ hash: stored.hash, hint: stored.hint })).not.toContain(key.slice(8))
  })
})

describe('passwords', () => {
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('correct horse battery staple')
    expect(h.startsWith('$argon2id$')).toBe(true)
    expect(await verifyPassword(h, 'correct horse battery staple')).toBe(true)
    expect(await verifyPassword(h, 'correct horse battery stapler')).toBe(false)
  })

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'))
  })

  it('treats a malformed hash as a mismatch and can spend time on nothing', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false)
    expect(await verifyNothing('whatever')).toBe(false)
  })

  it('generates long random passwords', () => {
    const p = generatePassword()
    expect(p.length).toBeGreaterThanOrEqual(32)
    expect(generatePassword()).not.toBe(p)
  })
})

describe('parseAuthorization', () => {
  it('accepts GenieKey and Bearer in any case', () => {
    expect(parseAuthorization('GenieKey abc')).toEqual({ scheme: 'geniekey', value: 'abc' })
    expect(parseAuthorization('geniekey   abc ')).toEqual({ scheme: 'geniekey', value: 'abc' })
    expect(parseAuthorization('GENIEKEY abc')).toEqual({ scheme: 'geniekey', value: 'abc' })
    expect(parseAuthorization('Bearer t0k')).toEqual({ scheme: 'bearer', value: 't0k' })
    expect(parseAuthorization('bearer t0k')).toEqual({ scheme: 'bearer', value: 't0k' })
  })

  it('refuses anything else', () => {
    for (const h of [undefined, '', 'GenieKey', 'GenieKey ', 'Basic abc', 'abc', 'GenieKey a b', 'Token x']) {
      expect(parseAuthorization(h)).toBeUndefined()
    }
  })
})

describe('TtlCache', () => {
  it('expires entries on the injected clock', () => {
    const clock = new ManualClock()
    const c = new TtlCache<string, number>(clock, 10, 1000)
    c.set('a', 1)
    clock.advance(999)
    expect(c.get('a')).toBe(1)
    clock.advance(1)
    expect(c.get('a')).toBeUndefined()
    c.set('b', 2, 50)
    clock.advance(50)
    expect(c.get('b')).toBeUndefined()
  })

  it('stays within its bound, dropping the oldest first', () => {
    const clock = new ManualClock()
    const c = new TtlCache<number, number>(clock, 3, 1000)
    for (let i = 0; i < 5; i++) c.set(i, i)
    expect(c.size).toBe(3)
    expect(c.get(0)).toBeUndefined()
    expect(c.get(1)).toBeUndefined()
    expect(c.get(4)).toBe(4)
  })

  it('deletes by predicate', () => {
    const c = new TtlCache<string, { owner: string }>(new ManualClock(), 10, 1000)
    c.set('a', { owner: 'x' })
    c.set('b', { owner: 'y' })
    c.set('c', { owner: 'x' })
    expect(c.deleteWhere((v) => v.owner === 'x')).toBe(2)
    expect(c.get('b')).toEqual({ owner: 'y' })
    expect(c.size).toBe(1)
  })
})

describe('model helpers', () => {
  it('validates IANA zones and normalises usernames', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true)
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus')).toBe(false)
    expect(normalizeUsername('  Ann@Example.COM ')).toBe('ann@example.com')
  })

  it('derives ingest URLs per integration type', () => {
    const base = 'http://vigil:8080'
    expect(integrationUrls('API', base)).toEqual({
      alertApi: 'http://vigil:8080/v2/alerts',
      alertmanagerOpsgenieApiUrl: 'http://vigil:8080/',
    })
    expect(integrationUrls('Prometheus', base).alertmanagerWebhook).toBe(
      'http://vigil:8080/integrations/alertmanager',
    )
    expect(integrationUrls('Grafana', base)).toEqual({
      grafanaWebhook: 'http://vigil:8080/integrations/grafana',
      grafanaOpsgenieApiUrl: 'http://vigil:8080/v2/alerts',
    })
    expect(integrationUrls('Webhook', base)).toEqual({ webhook: 'http://vigil:8080/integrations/webhook' })
  })
})
