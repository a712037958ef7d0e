import { sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { normalizeCreate } from '../../core/alerts/normalize'
import { ManualClock } from '../../core/time/clock'
import { AlertRouter } from '../../server/engine/escalation/routing'
import { createAlertsGroup, dedupRounds } from '../../server/ingest/create-alerts'
import { GroupCommitWriter, WriteQueueFull } from '../../server/ingest/group-commit'
import { createMetrics } from '../../server/metrics'
import { storeKinds, type TestStore } from '../support/stores'

const kinds = await storeKinds()

describe('dedupRounds', () => {
  it('keeps the first of each (team, alias) in round one, repeats in later rounds, order kept', () => {
    const items = [
      { teamId: 't', alias: 'a', n: 1 },
      { teamId: 't', alias: 'b', n: 2 },
      { teamId: 't', alias: 'a', n: 3 },
      { teamId: 'u', alias: 'a', n: 4 },
      { teamId: 't', alias: 'a', n: 5 },
    ]
    expect(dedupRounds(items).map((r) => r.map((i) => i.n))).toEqual([[1, 2, 4], [3], [5]])
  })
})

describe.each(kinds)('group commit on $name', ({ open }) => {
  let t: TestStore
  let writer: GroupCommitWriter
  const metrics = createMetrics()
  beforeAll(async () => {
    t = await open()
    writer = new GroupCommitWriter(t.store, metrics, pino({ level: 'silent' }), { maxQueue: 50 })
  })
  afterAll(async () => {
    await writer.close()
    await t?.dispose()
  })

  const team = (name: string) => (trx: Parameters<Parameters<GroupCommitWriter['submit']>[0]>[0]) =>
    trx
      .insertInto('teams')
      .values({ id: name, name, description: '', created_at: 1, updated_at: 1 })
      .execute()
      .then(() => name)

  it('commits many jobs in one transaction and answers each', async () => {
    const before =
      (await metrics.writeBatchSize.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0
    const names = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.submit(team(`g${i}`))))
    expect(names).toHaveLength(20)
    const after =
      (await metrics.writeBatchSize.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0
    expect(after - before).toBeLessThan(20)
    const rows = await t.store.db.selectFrom('teams').select('name').where('name', 'like', 'g%').execute()
    expect(rows).toHaveLength(20)
  })

  it('fails only the failing request of a batch; the others commit', async () => {
    const results = await Promise.allSettled([
      writer.submit(team('ok-1')),
      writer.submit(team('ok-1')), // unique name: this one must fail
      writer.submit(team('ok-2')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const rows = await t.store.db.selectFrom('teams').select('name').where('name', 'like', 'ok-%').execute()
    expect(rows.map((r) => r.name).sort()).toEqual(['ok-1', 'ok-2'])
  })

  it('refuses work past its queue limit instead of growing without bound', async () => {
    const jobs = Array.from({ length: 80 }, (_, i) => writer.submit(team(`q${i}`)))
    const settled = await Promise.allSettled(jobs)
    const refused = settled.filter((s) => s.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((r) => r.status === 'rejected' && r.reason instanceof WriteQueueFull)).toBe(true)
  })
})

describe.each(kinds)('create batches on $name', ({ open }) => {
  let t: TestStore
  let writer: GroupCommitWriter
  const metrics = createMetrics()
  const clock = new ManualClock()
  const creates = createAlertsGroup(clock, metrics, new AlertRouter(clock))
  beforeAll(async () => {
    t = await open()
    writer = new GroupCommitWriter(t.store, metrics, pino({ level: 'silent' }))
    await writer.submit((trx) =>
      trx
        .insertInto('teams')
        .values({ id: 'ct', name: 'ct', description: '', created_at: 1, updated_at: 1 })
        .execute(),
    )
  })
  afterAll(async () => {
    await writer.close()
    await t?.dispose()
  })

  const create = (alias: string, requestId: string) => {
    const n = normalizeCreate(
      { message: `m ${requestId}`, alias, tags: ['x', 'y'], details: { k: 'v' } },
      { source: 'test', user: 'u' },
    )
    if (!n.ok) throw new Error(JSON.stringify(n.errors))
    return writer.submitTo(creates, { alert: n.value, teamId: 'ct', integrationId: null, requestId })
  }

  it('creates, dedups repeats within one batch, and writes every side row in that transaction', async () => {
    const outs = await Promise.all([
      create('a', 'r1'),
      create('a', 'r2'),
      create('b', 'r3'),
      create('a', 'r4'),
    ])
    expect(outs.map((o) => o.status)).toEqual([
      'Created alert',
      'Alert deduplicated',
      'Created alert',
      'Alert deduplicated',
    ])
    expect(new Set([outs[0]?.alertId, outs[1]?.alertId, outs[3]?.alertId]).size).toBe(1)
    const db = t.store.db
    const a = await db.selectFrom('alerts').selectAll().where('alias', '=', 'a').executeTakeFirstOrThrow()
    expect(a.count).toBe(3)
    const logs = await db
      .selectFrom('alert_logs')
      .select(['type', 'log', sql<number | string | null>`change_seq`.as('change_seq')])
      .where('alert_id', '=', a.id)
      .orderBy('id')
      .execute()
    expect(logs.filter((l) => l.type !== 'routing').map((l) => l.log)).toEqual([
      'Alert created via test',
      'Alert occurred again (count 2): m r2',
      'Alert occurred again (count 3): m r4',
    ])
    expect(logs.every((l) => l.change_seq !== null)).toBe(true)
    const tags = await db.selectFrom('alert_tags').select('tag').where('alert_id', '=', a.id).execute()
    expect(tags.map((r) => r.tag).sort()).toEqual(['x', 'y'])
    const requests = await db
      .selectFrom('alert_requests')
      .select(['request_id', 'alert_id', 'status'])
      .where('request_id', 'in', ['r1', 'r2', 'r3', 'r4'])
      .orderBy('request_id')
      .execute()
    expect(requests.map((r) => r.alert_id)).toEqual(outs.map((o) => o.alertId))
  })
})
