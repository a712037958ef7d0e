/**
 * Back-pressure: a client that stops reading must not make the server buffer without bound, nor slow
 * other clients down. The stalled client is a raw Engine.IO long-polling client that stops polling: the
 * server then buffers for it at once (no kernel buffers in between), which makes the bound observable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_COLLECTIONS, SYNC_EVENTS } from '../../core/sync/protocol'
import { DEFAULT_LIMITS } from '../../server/sync/backpressure'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { connect, type SyncClient } from './sync-support'

const RS = '\x1e'

/** A minimal Socket.IO-over-polling client whose reading the test controls. */
async function pollingClient(url: string, token: string) {
  const base = `${url}/socket.io/?EIO=4&transport=polling`
  const open = await (await fetch(base)).text()
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid
  const at = `${base}&sid=${sid}`
  const post = await fetch(at, { method: 'POST', body: `40${JSON.stringify({ token })}` })
  expect(await post.text()).toBe('ok')
  /** One poll: the packets the server held for us. */
  const poll = async () => (await (await fetch(at)).text()).split(RS).filter(Boolean)
  return { poll }
}

/** Stream messages among polled packets (`42["sync:stream", msg]`). */
function streamMessages(packets: string[]): Array<Record<string, unknown>> {
  return packets
    .filter((p) => p.startsWith('42'))
    .map((p) => JSON.parse(p.slice(2)) as [string, Record<string, unknown>])
    .filter(([ev]) => ev === SYNC_EVENTS.stream)
    .map(([, m]) => m)
}

describe('sync back-pressure (sqlite)', () => {
  let srv: TestServer
  let healthy: SyncClient

  beforeAll(async () => {
    srv = await startTestServer({ kind: 'sqlite' })
    healthy = await connect(srv.url, srv.ownerToken)
  })
  afterAll(async () => {
    healthy?.close()
    await srv?.close()
  })

  it('stops streaming to a stalled client, keeps serving others, and resyncs it once it reads again', async () => {
    const stalled = await pollingClient(srv.url, srv.ownerToken)
    const first = await stalled.poll()
    expect(first.some((p) => p.startsWith('40'))).toBe(true)
    // From here on the stalled client does not poll. Alerts keep coming; the healthy client sees each one.
    const key = client(srv.url, `GenieKey ${srv.apiKey}`)
    const total = DEFAULT_LIMITS.maxBuffered * 2
    for (let i = 0; i < total; i++) {
      expect((await key('POST', '/v2/alerts', { message: `bp ${i}`, alias: `bp-${i}` })).status).toBe(202)
      // Wait for the stream each time, so every alert is its own tick and its own message.
      await healthy.waitStream(
        (m) =>
          m.collection === 'alerts' && 'documents' in m && m.documents.some((d) => d.alias === `bp-${i}`),
      )
    }
    const streamed = healthy.streams.filter((m) => m.collection === 'alerts' && 'documents' in m).length
    expect(streamed).toBeGreaterThanOrEqual(total)

    // The stalled client reads again: it gets at most the buffer limit (plus one tick), not everything.
    const held = streamMessages(await stalled.poll())
    const documents = held.filter((m) => 'documents' in m)
    expect(documents.length).toBeGreaterThan(0)
    expect(documents.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxBuffered + SYNC_COLLECTIONS.length)
    expect(documents.length).toBeLessThan(total * 2)
    // Once drained it is told to pull what it missed, for every collection.
    const after = streamMessages(await stalled.poll())
    expect(new Set(after.filter((m) => m.resync === true).map((m) => m.collection))).toEqual(
      new Set(SYNC_COLLECTIONS),
    )
  }, 60_000)
})
