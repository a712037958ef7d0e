import { describe, expect, it } from 'vitest'
import type { NormalizedAlert } from '../../core/alerts/normalize'
import { type Criteria, MATCH_ALL } from '../../core/model/criteria'
import type { AlertPolicy, MaintenanceWindow } from '../../core/model/routing'
import { inMaintenance } from '../../core/routing/maintenance'
import { applyAlertPolicies, renderTemplate } from '../../core/routing/policies'
import { validateAlertPolicy, validateMaintenanceWindow } from '../../core/routing/validate'

const NOW = Date.UTC(2026, 0, 5, 12, 0)

const base: NormalizedAlert = {
  message: 'Disk full',
  alias: 'disk-1',
  description: 'on /var',
  responders: [{ type: 'team', id: 't1' }],
  visibleTo: [],
  actions: ['restart'],
  tags: ['prod'],
  details: { host: 'db-01' },
  entity: 'db-01',
  source: 'prometheus',
  priority: 'P3',
  user: 'alertmanager',
  notices: [],
}

const policy = (over: Partial<AlertPolicy> & Pick<AlertPolicy, 'id'>): AlertPolicy => ({
  name: over.id,
  enabled: true,
  order: 0,
  filter: MATCH_ALL,
  ...over,
})
const prodOnly: Criteria = {
  type: 'match-all-conditions',
  conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'prod' }],
}

describe('renderTemplate', () => {
  it('fills placeholders and keeps unknown ones visible', () => {
    expect(
      renderTemplate(
        '[{{priority}}] {{ message }} ({{alias}}) on {{details.host}}/{{extraProperties.host}} {{tags}} {{nope}}',
        base,
      ),
    ).toBe('[P3] Disk full (disk-1) on db-01/db-01 prod {{nope}}')
    expect(
      renderTemplate('{{details.missing}}|{{source}}|{{entity}}|{{description}}|{{user}}|{{actions}}', base),
    ).toBe('|prometheus|db-01|on /var|alertmanager|restart')
  })
})

describe('applyAlertPolicies', () => {
  it('modifies fields, adds tags, details, actions and responders', () => {
    const out = applyAlertPolicies(
      [
        policy({
          id: 'p',
          name: 'Prod is urgent',
          filter: prodOnly,
          message: 'PROD: {{message}}',
          priority: 'P1',
          tags: ['urgent', 'prod'],
          details: { runbook: 'https://wiki/{{alias}}' },
          actions: ['page'],
          responders: [
            { type: 'team', id: 't1' },
            { type: 'user', username: 'lead@example.com' },
          ],
        }),
      ],
      base,
      NOW,
    )
    expect(out.applied).toEqual(['Prod is urgent'])
    expect(out.suppressed).toBe(false)
    expect(out.autoCloseAfterMs).toBeUndefined()
    expect(out.alert).toMatchObject({
      message: 'PROD: Disk full',
      priority: 'P1',
      tags: ['prod', 'urgent'],
      details: { host: 'db-01', runbook: 'https://wiki/disk-1' },
      actions: ['restart', 'page'],
      responders: [
        { type: 'team', id: 't1' },
        { type: 'user', username: 'lead@example.com' },
      ],
    })
    expect(base.message).toBe('Disk full') // input untouched
  })

  it('ignoreOriginal replaces instead of adding', () => {
    const out = applyAlertPolicies(
      [
        policy({
          id: 'p',
          tags: ['only'],
          details: { a: '1' },
          ignoreOriginal: { tags: true, details: true },
        }),
      ],
      base,
      NOW,
    )
    expect(out.alert.tags).toEqual(['only'])
    expect(out.alert.details).toEqual({ a: '1' })
  })

  it('stops at the first applied policy unless it continues; later filters see earlier changes', () => {
    const policies = [
      policy({ id: 'c', name: 'third', order: 3, tags: ['third'] }),
      policy({ id: 'a', name: 'first', order: 1, tags: ['first'], continue: true }),
      policy({
        id: 'b',
        name: 'second',
        order: 2,
        filter: {
          type: 'match-all-conditions',
          conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'first' }],
        },
        suppress: true,
      }),
    ]
    const out = applyAlertPolicies(policies, base, NOW)
    expect(out.applied).toEqual(['first', 'second'])
    expect(out.suppressed).toBe(true)
    expect(out.alert.tags).toEqual(['prod', 'first'])
  })

  it('skips disabled, non-matching and out-of-hours policies', () => {
    const nightOnly = policy({
      id: 'n',
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 22, startMin: 0, endHour: 6, endMin: 0 },
      },
      timezone: 'UTC',
      suppress: true,
    })
    const out = applyAlertPolicies(
      [
        policy({ id: 'off', enabled: false, suppress: true }),
        policy({
          id: 'staging',
          filter: {
            type: 'match-all-conditions',
            conditions: [{ field: 'tags', operation: 'contains', expectedValue: 'staging' }],
          },
          suppress: true,
        }),
        nightOnly,
      ],
      base,
      NOW,
    )
    expect(out).toEqual({ alert: base, suppressed: false, applied: [] })
    expect(applyAlertPolicies([nightOnly], base, Date.UTC(2026, 0, 5, 23)).suppressed).toBe(true)
  })

  it('auto-close takes the shortest delay among applied policies', () => {
    const out = applyAlertPolicies(
      [
        policy({ id: 'a', autoCloseAfterMinutes: 60, continue: true }),
        policy({ id: 'b', order: 1, autoCloseAfterMinutes: 15 }),
      ],
      base,
      NOW,
    )
    expect(out.autoCloseAfterMs).toBe(15 * 60_000)
  })

  it('keeps Opsgenie limits and says what it dropped', () => {
    const many = Array.from({ length: 25 }, (_, i) => `t${i}`)
    const out = applyAlertPolicies(
      [
        policy({
          id: 'p',
          name: 'big',
          tags: many,
          message: `{{message}} ${'x'.repeat(200)}`,
          details: { big: 'y'.repeat(2000) },
        }),
      ],
      {
        ...base,
        details: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`k${i}`, 'z'.repeat(1990)])),
      },
      NOW,
    )
    expect(out.alert.tags).toHaveLength(20)
    expect(out.alert.message).toHaveLength(130)
    expect(Object.keys(out.alert.details)).toEqual(['k0', 'k1', 'k2', 'k3'])
    expect(out.alert.notices).toEqual([
      "policy 'big': tags beyond 20 dropped",
      "policy 'big': details not changed (over 8000 characters)",
    ])
  })

  it('validates policies', () => {
    expect(validateAlertPolicy(policy({ id: 'p', priority: 'P1', filter: prodOnly }))).toEqual({})
    expect(
      validateAlertPolicy({
        ...policy({ id: 'p', timezone: 'Nowhere' }),
        priority: 'P9',
        filter: { type: 'match-all-conditions' },
      }),
    ).toEqual({
      priority: 'must be "P1" or "P2" or "P3" or "P4" or "P5"',
      timezone: "unknown time zone 'Nowhere'; use an IANA name such as Europe/Berlin",
      'filter.conditions':
        'match-all-conditions needs at least one condition (use match-all to match every alert)',
    })
  })
})

describe('inMaintenance', () => {
  const windows: MaintenanceWindow[] = [
    { id: 'past', start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', scope: { teamIds: ['t1'] } },
    { id: 'cancelled', start: '2026-01-05T00:00:00Z', cancelled: true, scope: { teamIds: ['t1'] } },
    {
      id: 'db',
      start: '2026-01-05T11:00:00+01:00',
      end: '2026-01-05T14:00:00Z',
      scope: { integrationIds: ['i-db'] },
    },
    { id: 'forever', start: '2026-01-04T00:00:00Z', scope: { policyIds: ['pol-1'] } },
  ]

  it('finds the active window whose scope matches', () => {
    expect(inMaintenance(windows, { teamId: 't1' }, NOW)).toBeUndefined()
    expect(inMaintenance(windows, { teamId: 't1' }, Date.UTC(2026, 0, 1, 12))?.id).toBe('past')
    expect(inMaintenance(windows, { integrationId: 'i-db' }, NOW)?.id).toBe('db')
    expect(inMaintenance(windows, { integrationId: 'i-db' }, Date.UTC(2026, 0, 5, 14))).toBeUndefined() // end exclusive
    expect(inMaintenance(windows, { integrationId: 'i-db' }, Date.UTC(2026, 0, 5, 10))?.id).toBe('db') // start inclusive
    expect(inMaintenance(windows, { policyIds: ['x', 'pol-1'] }, Date.UTC(2030, 0, 1))?.id).toBe('forever')
    expect(inMaintenance(windows, {}, NOW)).toBeUndefined()
  })

  it('an unparsable window is never active, and validation says why', () => {
    const bad: MaintenanceWindow = { id: 'bad', start: 'tomorrow', scope: { teamIds: ['t1'] } }
    expect(inMaintenance([bad], { teamId: 't1' }, NOW)).toBeUndefined()
    expect(validateMaintenanceWindow(bad)).toEqual({
      start: 'must be an ISO-8601 instant such as 2026-03-01T22:00:00Z',
    })
    expect(
      validateMaintenanceWindow({
        id: 'w',
        start: '2026-01-02T00:00:00Z',
        end: '2026-01-01T00:00:00Z',
        scope: {},
      }),
    ).toEqual({ end: 'must be after start', scope: 'must name at least one team, integration or policy' })
    expect(validateMaintenanceWindow(windows[2])).toEqual({})
  })
})
