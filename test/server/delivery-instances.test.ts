import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { buildChannels } from '../../server/delivery/channels'
import { resolveDeliveryConfig } from '../../server/delivery/config'
import { DeliveryEngine } from '../../server/delivery/engine'
import { GroupCommitWriter } from '../../server/ingest/group-commit'
import { createMetrics } from '../../server/metrics'
import { openPostgres } from '../../server/store/postgres'
import type { Store } from '../../server/store/store'
import type { TestServer } from '../support/server'
import { postgresAvailable } from '../support/stores'
import { alertRule, createAlert, deliveryServer, httpReceiver, notify, userWith } from './delivery-helpers'

const pgUp = await postgresAvailable()

/** A second instance's own pool on the already migrated schema (see heartbeats-expiry.test.ts). */
function secondPool(url: string): Store {
  const { db } = openPostgres(url)
  return { db, dialect: 'postgres', ping: async () => true, sync: async () => {}, close: () => db.destroy() }
}

describe.runIf(pgUp)('two delivery instances on one PostgreSQL', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0))
  let srv: TestServer
  let rx: Awaited<ReturnType<typeof httpReceiver>>
  let store2: Store

  beforeAll(async () => {
    rx = await httpReceiver()
    srv = await deliveryServer('postgres', clock)
    store2 = secondPool(srv.testStore.location.databaseUrl as string)
  })
  afterAll(async () => {
    await store2?.close()
    await srv?.close()
    await rx?.close()
  })

  it('share the outbox without sending anything twice', async () => {
    const users = 24
    for (let i = 0; i < users; i++) {
      const url = `${rx.base}/u${i}`
      const id = await userWith(srv, `multi${i}@example.test`, {
        contacts: [{ method: 'webhook', to: url }],
        rules: [alertRule([['webhook', url, 0]])],
      })
      const a = await createAlert(srv, { message: `Alert ${i}`, priority: 'P3' })
      await notify(srv, a, id)
    }
    const config = resolveDeliveryConfig({ webhookAllowPrivate: true, pollMs: 0, batchSize: 5 })
    const logger = pino({ level: 'silent' })
    const writer2 = new GroupCommitWriter(store2, createMetrics(), logger)
    const sentBy = [0, 0]
    /** The real channels, counting the messages each instance sends. */
    const channelsOf = (i: number) => {
      const { channels } = buildChannels(config, undefined, clock)
      const webhook = channels.webhook as NonNullable<typeof channels.webhook>
      return {
        ...channels,
        webhook: {
          label: webhook.label,
          send: (m: Parameters<typeof webhook.send>[0]) => {
            sentBy[i] = (sentBy[i] ?? 0) + 1
            return webhook.send(m)
          },
        },
      }
    }
    const engines = [
      new DeliveryEngine({ ...srv.ctx, config, channels: channelsOf(0) }),
      new DeliveryEngine({ store: store2, writer: writer2, clock, logger, config, channels: channelsOf(1) }),
    ]
    // Both instances expand and send in small batches at the same time.
    await Promise.all(engines.map((e) => e.runOnce()))
    await Promise.all(engines.map((e) => e.runOnce()))
    await writer2.close()
    const paths = rx.hits.map((h) => h.path).filter((p) => /^\/u\d+$/.test(p))
    expect(paths).toHaveLength(users)
    expect((sentBy[0] ?? 0) + (sentBy[1] ?? 0)).toBe(users)
    expect(new Set(paths).size).toBe(users)
    const rows = await srv.ctx.store.db
      .selectFrom('deliveries')
      .select(['state', 'attempts'])
      .where('channel', '=', 'webhook')
      .execute()
    expect(rows).toHaveLength(users)
    expect(rows.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true)
  })
})
