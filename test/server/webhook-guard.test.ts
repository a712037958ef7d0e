/** The webhook channel's connect-time guard, against a real HTTP receiver on loopback. */
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardedLookup, type LookupAll, NonPublicAddressError } from '../../server/channels/destination'
import { postForResult } from '../../server/channels/http'
import { webhookChannel } from '../../server/channels/webhook'
import { loopbackReceiver } from './delivery-helpers'

/** A resolver that answers every name with the given addresses. */
const answering =
  (...addresses: string[]): LookupAll =>
  (_host, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )

describe('guardedLookup', () => {
  const look = (lookup: ReturnType<typeof guardedLookup>, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
      lookup('hooks.example.com', { all }, ((err: Error | null, address: unknown, family?: number) =>
        resolve({ err, address, family })) as never),
    )

  it('passes public answers through, in both lookup forms', async () => {
    const lookup = guardedLookup(answering('93.184.216.34', '2606:4700::1111'))
    expect(await look(lookup, false)).toEqual({ err: null, address: '93.184.216.34', family: 4 })
    const all = await look(lookup, true)
    expect(all.err).toBeNull()
    expect(all.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ])
  })

  it('fails when any answer is not public', async () => {
    const r = await look(guardedLookup(answering('93.184.216.34', '10.0.0.7')), false)
    expect(r.err).toBeInstanceOf(NonPublicAddressError)
    expect(r.err?.message).toBe('hooks.example.com resolves to 10.0.0.7, not a public address')
  })
})

describe('webhook channel against a loopback receiver', () => {
  let rx: Awaited<ReturnType<typeof loopbackReceiver>>
  const hits: string[] = []

  beforeAll(async () => {
    rx = await loopbackReceiver((r, res) => {
      hits.push(r.path)
      res.writeHead(200).end('ok')
    })
  })
  afterAll(async () => {
    await rx?.close()
  })

  it('posts through undici with an agent of its own (the client a guarded channel uses)', async () => {
    const dispatcher = new Agent()
    try {
      const r = await postForResult(
        `${rx.base}/plain`,
        { headers: { 'content-type': 'application/json' }, body: '{}' },
        5000,
        undefined,
        (url, init) => undiciFetch(url, { ...init, dispatcher }) as unknown as Promise<Response>,
      )
      expect(r).toMatchObject({ ok: true, providerResponse: '200 ok' })
      expect(hits).toContain('/plain')
    } finally {
      await dispatcher.close()
    }
  })

  it('refuses a name that passed the first check but resolves to loopback when connecting (DNS rebinding)', async () => {
    const channel = webhookChannel({
      allowPrivate: false,
      timeoutMs: 5000,
      now: () => 0,
      // The check before the request is told the name is public; the socket's lookup then gets loopback.
      resolve: async () => ['93.184.216.34'],
      lookup: answering('127.0.0.1'),
    })
    try {
      const r = await channel.send({
        id: 'd1',
        userId: 'u1',
        address: `${rx.base.replace('127.0.0.1', 'rebind.example.test')}/rebound`,
        notifications: [],
      })
      expect(r).toEqual({
        ok: false,
        error: 'permanent',
        message: 'refused: rebind.example.test resolves to 127.0.0.1, not a public address',
      })
      expect(hits).not.toContain('/rebound')
    } finally {
      channel.close()
    }
  })
})
