import type { Insertable } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileAlertQuery } from '../../core/query/compile'
import { parseAlertQuery } from '../../core/query/parser'
import { alertSortColumn } from '../../core/query/sort'
import type { AlertsTable } from '../../server/store/schema'
import { storeKinds, type TestStore } from '../support/stores'

const kinds = await storeKinds()

interface Fixture {
  row: Partial<AlertsTable> & Pick<AlertsTable, 'id' | 'message' | 'status' | 'team_id'>
  tags?: string[]
  details?: Record<string, string>
}

const FIXTURES: Fixture[] = [
  {
    row: {
      id: 'a1',
      team_id: 't1',
      integration_id: 'i1',
      message: 'Disk full on db-1',
      description: 'Usage at 100% on /var',
      alias: 'disk-db-1',
      status: 'open',
      is_seen: 1,
      priority: 'P1',
      source: 'prometheus',
      entity: 'db-1',
      owner: 'alice',
      count: 3,
    },
    tags: ['disk', 'prod'],
    details: { host: 'db-1', region: 'eu' },
  },
  {
    row: {
      id: 'a2',
      team_id: 't2',
      integration_id: 'i2',
      message: 'CPU high on web_1',
      alias: 'cpu-web-1',
      status: 'closed',
      acknowledged: 1,
      acknowledged_by: 'bob',
      closed_by: 'carol',
      priority: 'P2',
      source: 'grafana',
      entity: 'web_1',
    },
    tags: ['cpu', 'prod'],
    details: { host: 'web_1' },
  },
  {
    // Same alias as a1, but closed: `alias:` must not find it.
    row: {
      id: 'a3',
      team_id: 't1',
      message: 'Disk 100% used',
      description: 'backslash path C:\\temp',
      alias: 'disk-db-1',
      status: 'closed',
      priority: 'P3',
      snoozed: 1,
      snoozed_until: 5000,
    },
    tags: ['Disk'],
  },
  {
    row: {
      id: 'a4',
      team_id: 't2',
      integration_id: 'i1',
      message: 'Memory leak in api',
      alias: 'mem-api',
      status: 'open',
      is_seen: 0,
      priority: 'P4',
      actions: '["restart"]',
      responders: '[{"type":"team","name":"Payments"}]',
    },
    details: { region: 'us' },
  },
  {
    row: {
      id: 'a5',
      team_id: 't1',
      message: 'disk_usage warning',
      alias: 'disk_usage',
      status: 'open',
      priority: 'P5',
    },
    tags: ['disk'],
  },
]

function alertRow(f: Fixture, index: number): Insertable<AlertsTable> {
  const createdAt = (index + 1) * 1000
  const alias = f.row.alias ?? f.row.id
  return {
    integration_id: null,
    alias,
    open_alias: f.row.status === 'open' ? alias : null,
    description: '',
    acknowledged: 0,
    is_seen: 1,
    snoozed: 0,
    snoozed_until: null,
    count: 1,
    last_occurred_at: createdAt,
    source: 'api',
    entity: '',
    owner: '',
    priority: 'P3',
    tags: JSON.stringify(f.tags ?? []),
    details: JSON.stringify(f.details ?? {}),
    actions: '[]',
    responders: '[]',
    visible_to: '[]',
    acknowledged_by: '',
    closed_by: '',
    ...f.row,
    tiny_id: index + 1,
    created_at: createdAt,
    updated_at: createdAt,
    change_seq: index + 1,
  }
}

describe.each(kinds)('alert query on $name', ({ open }) => {
  let t: TestStore

  beforeAll(async () => {
    t = await open()
    const db = t.store.db
    await db
      .insertInto('teams')
      .values([
        { id: 't1', name: 'Platform', description: '', created_at: 1, updated_at: 1 },
        { id: 't2', name: 'Payments', description: '', created_at: 1, updated_at: 1 },
      ])
      .execute()
    const integration = {
      key_hint: 'k',
      enabled: 1,
      allow_read: 1,
      allow_write: 1,
      allow_delete: 1,
      allow_configuration: 1,
      rate_limit_per_minute: 0,
      config: '{}',
      created_at: 1,
      updated_at: 1,
    }
    await db
      .insertInto('integrations')
      .values([
        { ...integration, id: 'i1', name: 'Prom Main', type: 'Prometheus', team_id: 't1', key_hash: 'h1' },
        { ...integration, id: 'i2', name: 'Api Key', type: 'API', team_id: 't2', key_hash: 'h2' },
      ])
      .execute()
    await db.insertInto('alerts').values(FIXTURES.map(alertRow)).execute()
    const tags = FIXTURES.flatMap((f) => (f.tags ?? []).map((tag) => ({ alert_id: f.row.id, tag })))
    await db.insertInto('alert_tags').values(tags).execute()
    const details = FIXTURES.flatMap((f) =>
      Object.entries(f.details ?? {}).map(([key, value]) => ({ alert_id: f.row.id, key, value })),
    )
    await db.insertInto('alert_details').values(details).execute()
  })
  afterAll(async () => t?.dispose())

  async function ids(query: string): Promise<string[]> {
    const rows = await t.store.db
      .selectFrom('alerts')
      .select('id')
      .where(compileAlertQuery(parseAlertQuery(query)))
      .orderBy('id')
      .execute()
    return rows.map((r) => r.id)
  }

  const cases: Array<[string, string[]]> = [
    ['', ['a1', 'a2', 'a3', 'a4', 'a5']],
    ['status: open', ['a1', 'a4', 'a5']],
    ['status : closed', ['a2', 'a3']],
    ['STATUS:Open', ['a1', 'a4', 'a5']],
    ['priority: p3', ['a3']],
    ['acknowledged: true', ['a2']],
    ['isSeen: false', ['a4']],
    ['snoozed: true', ['a3']],
    // Escaping: % and _ are literal, so `disk_` must not match "Disk full".
    ['message: 100%', ['a3']],
    ['100%', ['a1', 'a3']],
    ['message: disk_', ['a5']],
    ['entity: *_1', ['a2']],
    ['description: "C:\\\\temp"', ['a3']],
    ['message: disk', ['a1', 'a3', 'a5']],
    ['message: disk*', ['a1', 'a3', 'a5']],
    ['message: *API', ['a4']],
    ['message: d*1', ['a1']],
    ['message: "disk*"', []],
    ['source: graf*', ['a2']],
    ['NOT status: open', ['a2', 'a3']],
    ['status: open AND NOT tag: disk', ['a4']],
    ['status: open and not tag: disk', ['a4']],
    ['(priority: P1 OR priority: P2) AND status: open', ['a1']],
    ['priority: P1 OR priority: P2 status: closed', ['a1', 'a2']],
    ['message: (cpu OR memory)', ['a2', 'a4']],
    ['message: (disk NOT full)', ['a3', 'a5']],
    ['createdAt >= 2000 AND createdAt < 4000', ['a2', 'a3']],
    ['createdAt: 5000', ['a5']],
    ['createdAt > 4000 OR createdAt <= 1000', ['a1', 'a5']],
    ['updatedAt < 2000', ['a1']],
    ['lastOccurredAt >= 5000', ['a5']],
    ['count > 1', ['a1']],
    ['tinyId: 2', ['a2']],
    ['alertId: a4', ['a4']],
    ['snoozedUntil > 4000', ['a3']],
    ['NOT snoozedUntil > 4000', ['a1', 'a2', 'a4', 'a5']],
    ['tag: disk', ['a1', 'a5']],
    ['tags: Disk', ['a3']],
    ['tag: pro*', ['a1', 'a2']],
    ['tag: *', ['a1', 'a2', 'a3', 'a5']],
    ['details.key: host', ['a1', 'a2']],
    ['details.value: eu', ['a1']],
    ['details.key: region AND details.value: us', ['a4']],
    ['teams: platform', ['a1', 'a3', 'a5']],
    ['teams: t2', ['a2', 'a4']],
    ['teams: Pay*', ['a2', 'a4']],
    ['integration.type: prometheus', ['a1', 'a4']],
    ['integration.name: "Api Key"', ['a2']],
    ['NOT integration.name: "Prom Main"', ['a2', 'a3', 'a5']],
    ['alias: disk-db-1', ['a1']],
    ['NOT alias: disk-db-1', ['a2', 'a3', 'a4', 'a5']],
    ['alias: disk*', ['a1', 'a5']],
    ['alias: DISK-DB-1', []],
    ['acknowledgedBy: bob', ['a2']],
    ['closedBy: CAROL', ['a2']],
    ['owner: alice', ['a1']],
    ['actions: restart', ['a4']],
    ['recipients: payments', ['a4']],
    ['leak', ['a4']],
    ['prod', ['a1', 'a2']],
    ['db-1', ['a1', 'a3']],
    ['"disk full"', ['a1']],
    ['disk status: closed', ['a3']],
  ]

  it.each(cases)('%s', async (query, expected) => {
    expect(await ids(query)).toEqual(expected)
  })

  it('counts with the same filter', async () => {
    const row = await t.store.db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(compileAlertQuery(parseAlertQuery('tag: disk OR tag: cpu')))
      .executeTakeFirstOrThrow()
    expect(Number(row.n)).toBe(3)
  })

  it('orders by a mapped sort column', async () => {
    const sort = alertSortColumn('lastOccuredAt')
    if (!sort.ok) throw new Error(sort.error)
    const rows = await t.store.db
      .selectFrom('alerts')
      .select('id')
      .where(compileAlertQuery(parseAlertQuery('status: open')))
      .orderBy(sort.column, 'desc')
      .execute()
    expect(rows.map((r) => r.id)).toEqual(['a5', 'a4', 'a1'])
  })
})
