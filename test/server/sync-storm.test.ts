/**
 * Reconnect storm: 1,000 clients reconnecting at once are all served (RESYNC, then a pull), and the
 * server keeps answering /health while it happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { connect, type SyncClient } from './sync-support'

const CLIENTS = 1000
const kinds = await storeKinds()

describe.each(kinds)('sync reconnect storm on $name', ({ name }) => {
  let srv: TestServer
  const clients: SyncClient[] = []

  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    for (let i = 0; i < 20; i++)
      await key('POST', '/v2/alerts', { message: `storm ${i}`, alias: `storm-${i}` })
    for (let i = 0; i < CLIENTS; i += 100) {
      clients.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => connect(srv.url, srv.ownerToken)))),
      )
    }
  }, 60_000)
  afterAll(async () => {
    for (const c of clients) c.close()
    await srv?.close()
  })

  it('serves 1,000 clients reconnecting at once and keeps answering /health', async () => {
    for (const c of clients) c.socket.disconnect()
    let storming = true
    const health: number[] = []
    const probe = (async () => {
      while (storming) health.push((await fetch(`${srv.url}/health`)).status)
    })()
    const served = await Promise.all(
      clients.map(async (c) => {
        const before = c.streams.length
        c.socket.connect()
        await c.waitStream(
          (m) => c.streams.indexOf(m) >= before && 'resync' in m && m.collection === 'alerts',
        )
        const pulled = await c.pullAll('alerts')
        return pulled.docs.size
      }),
    )
    storming = false
    await probe
    expect(served).toEqual(Array(CLIENTS).fill(20))
    expect(health.length).toBeGreaterThan(0)
    expect(health.every((s) => s === 200)).toBe(true)
  }, 30_000)
})
