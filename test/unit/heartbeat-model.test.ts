import Ajv, { type ValidateFunction } from 'ajv'
import { describe, expect, it } from 'vitest'
import {
  defaultAlertMessage,
  expiryAlertTags,
  HeartbeatCreate,
  HeartbeatPatch,
  heartbeatAlias,
  intervalMs,
} from '../../core/model/heartbeat'
import { validationErrors } from '../../server/api/errors'
import { expiresAt, expiryAlert, type HeartbeatRow } from '../../server/engine/heartbeats'

// The body validator the app uses: exact types, every error.
const ajv = new Ajv({ allErrors: true, coerceTypes: false, strict: false })
const checkCreate = ajv.compile(HeartbeatCreate)
const checkPatch = ajv.compile(HeartbeatPatch)

function errorsOf(check: ValidateFunction, body: unknown): Record<string, string> {
  return check(body) ? {} : validationErrors(check.errors ?? [])
}

const valid = { name: 'backup', interval: 1, intervalUnit: 'days', enabled: true }

describe('heartbeat model', () => {
  it('turns intervals into milliseconds per unit', () => {
    expect(intervalMs(1, 'minutes')).toBe(60_000)
    expect(intervalMs(3, 'hours')).toBe(3 * 3_600_000)
    expect(intervalMs(2, 'days')).toBe(2 * 86_400_000)
    // The largest interval still leaves any epoch-ms deadline a safe integer.
    expect(Number.isSafeInteger(Date.UTC(2100, 0, 1) + intervalMs(100_000, 'days'))).toBe(true)
  })

  it('names the expiry alert and its default message', () => {
    expect(heartbeatAlias('db backup')).toBe('heartbeat-db backup')
    expect(defaultAlertMessage('db')).toBe('db is expired')
    expect([...defaultAlertMessage('n'.repeat(200))]).toHaveLength(130)
  })

  it('adds the heartbeat tag, keeps own tags in order and at most 20 in all', () => {
    expect(expiryAlertTags([])).toEqual(['heartbeat'])
    expect(expiryAlertTags([' db ', 'db', '', 'heartbeat', 'x'])).toEqual(['db', 'x', 'heartbeat'])
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i}`)
    const tags = expiryAlertTags(twenty)
    expect(tags).toHaveLength(20)
    expect(tags.at(-1)).toBe('heartbeat')
    expect(tags).not.toContain('t19')
  })

  it('validates a create body field by field', () => {
    expect(errorsOf(checkCreate, valid)).toEqual({})
    expect(
      errorsOf(checkCreate, { ...valid, extra: 1, alertPriority: 'P5', ownerTeam: { name: 'a' } }),
    ).toEqual({})
    expect(errorsOf(checkCreate, {})).toEqual({
      name: 'is required',
      interval: 'is required',
      intervalUnit: 'is required',
      enabled: 'is required',
    })
    const e = errorsOf(checkCreate, {
      ...valid,
      name: 'n'.repeat(201),
      interval: 0,
      intervalUnit: 'weeks',
      alertPriority: 'urgent',
      alertTags: ['t'.repeat(51)],
      ownerTeam: {},
    })
    expect(Object.keys(e).sort()).toEqual(
      ['alertPriority', 'alertTags[0]', 'interval', 'intervalUnit', 'name', 'ownerTeam'].sort(),
    )
    // One readable message for an enum, not one per allowed value.
    expect(e.intervalUnit).toBe('must be equal to one of the allowed values')
  })

  it('validates a patch body: everything optional, the same limits', () => {
    expect(errorsOf(checkPatch, {})).toEqual({})
    expect(errorsOf(checkPatch, { enabled: false, interval: 2 })).toEqual({})
    expect(Object.keys(errorsOf(checkPatch, { interval: -1, alertMessage: 'm'.repeat(131) })).sort()).toEqual(
      ['alertMessage', 'interval'],
    )
  })
})

describe('heartbeat expiry alert', () => {
  const row: HeartbeatRow = {
    id: 'h1',
    name: 'nightly',
    team_id: 'team-1',
    description: '',
    interval: 2,
    interval_unit: 'hours',
    enabled: 1,
    expired: 0,
    auto_close: 1,
    last_ping_at: Date.UTC(2026, 0, 1, 0, 0),
    interval_start: Date.UTC(2026, 0, 1, 0, 0),
    expires_at: null,
    alert_message: 'nightly is expired',
    alert_tags: JSON.stringify(['db']),
    alert_priority: 'P2',
    created_at: 0,
    updated_at: 0,
  }

  it('runs from the start of the interval', () => {
    expect(expiresAt(row)).toBe(Date.UTC(2026, 0, 1, 2, 0))
  })

  it('carries the heartbeat’s message, tags, priority and details under the stable alias', () => {
    expect(expiryAlert(row)).toMatchObject({
      message: 'nightly is expired',
      alias: 'heartbeat-nightly',
      tags: ['db', 'heartbeat'],
      priority: 'P2',
      source: 'heartbeat',
      details: { heartbeat: 'nightly', lastPingTime: '2026-01-01T00:00:00.000Z' },
      responders: [{ type: 'team', id: 'team-1' }],
      notices: [],
    })
    expect(expiryAlert({ ...row, last_ping_at: null }).details.lastPingTime).toBe('')
    const full = expiryAlert({
      ...row,
      alert_tags: JSON.stringify(Array.from({ length: 20 }, (_, i) => `t${i}`)),
    })
    expect(full.tags).toHaveLength(20)
    expect(full.notices).toEqual(['tags t19 dropped: an alert holds at most 20 tags'])
  })
})
