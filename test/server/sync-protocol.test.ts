import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYNC_COLLECTIONS } from '../../core/sync/protocol'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { connect, type Doc, hasDoc, type SyncClient } from './sync-support'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('sync protocol on $name', ({ name }) => {
  let srv: TestServer
  let owner: ReturnType<typeof client>
  let key: ReturnType<typeof client>
  let c: SyncClient

  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
    c = await connect(srv.url, srv.ownerToken)
  })
  afterAll(async () => {
    c?.close()
    await srv?.close()
  })

  const schedule = async (scheduleName: string) => {
    const r = await owner<Json>('POST', '/v2/schedules', {
      name: scheduleName,
      timezone: 'Europe/Berlin',
      ownerTeam: { id: srv.teamId },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id as string
  }

  it('sends RESYNC for every collection on connect and again on reconnect', async () => {
    const resyncs = () => c.streams.filter((m) => 'resync' in m).map((m) => m.collection)
    await c.waitStream((m) => 'resync' in m && m.collection === 'me')
    expect(new Set(resyncs())).toEqual(new Set(SYNC_COLLECTIONS))
    const before = c.streams.length
    c.socket.disconnect()
    c.socket.connect()
    await c.waitStream((m) => c.streams.indexOf(m) >= before && 'resync' in m && m.collection === 'me')
    expect(c.streams.slice(before).filter((m) => 'resync' in m)).toHaveLength(SYNC_COLLECTIONS.length)
  })

  it('pulls in change-sequence order, strictly after the checkpoint, batch by batch', async () => {
    const first = await c.pullAll('schedules')
    const ids = [
      await schedule('p1'),
      await schedule('p2'),
      await schedule('p3'),
      await schedule('p4'),
      await schedule('p5'),
    ]
    const seen: string[] = []
    let cp = first.checkpoint
    for (;;) {
      const r = await c.pull('schedules', cp, 2)
      if (!r.ok) throw new Error(r.error.message)
      seen.push(...r.value.documents.map((d) => d.id))
      expect(r.value.checkpoint?.seq).toBeGreaterThan(cp?.seq ?? -1)
      cp = r.value.checkpoint
      if (r.value.documents.length < 2) break
    }
    expect(seen).toEqual(ids)
    // Nothing after the last checkpoint; the checkpoint stays where it is.
    const again = await c.pull('schedules', cp, 100)
    expect(again).toEqual({ ok: true, value: { documents: [], checkpoint: cp } })
    // The owner's documents: the bootstrap team and the owner account are there from the start.
    const teams = await c.pullAll('teams')
    expect([...teams.docs.values()].map((t) => t.id)).toContain(srv.teamId)
    const users = await c.pullAll('users')
    expect(
      [...users.docs.values()].some((u) => u.username === 'owner@vigil.test' && !('passwordHash' in u)),
    ).toBe(true)
  })

  it('serves a deletion as a tombstone that satisfies the document schema', async () => {
    const id = await schedule('doomed')
    const { checkpoint } = await c.pullAll('schedules')
    expect((await owner('DELETE', `/v2/schedules/${id}`)).status).toBe(200)
    const r = await c.pull('schedules', checkpoint, 100)
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.documents).toHaveLength(1)
    expect(r.value.documents[0]).toMatchObject({ id, _deleted: true, name: expect.any(String) })
  })

  it('streams an alert created over HTTP, and the checkpoint it carries resumes a pull', async () => {
    const r = await key<Json>('POST', '/v2/alerts', { message: 'disk full on db-7', alias: 'disk-db-7' })
    expect(r.status).toBe(202)
    const m = await c.waitStream(hasDoc('alerts', (d) => d.message === 'disk full on db-7'))
    if (!('documents' in m)) throw new Error('not a document message')
    expect(m.documents[0]).toMatchObject({
      alias: 'disk-db-7',
      status: 'open',
      teamId: srv.teamId,
      _deleted: false,
    })
    const log = await c.waitStream(hasDoc('alertLogs', (d) => d.alertId === m.documents[0]?.id))
    expect(log.collection).toBe('alertLogs')
    const after = await c.pull('alerts', m.checkpoint, 100)
    expect(after.ok && after.value.documents.filter((d) => d.message === 'disk full on db-7')).toEqual([])
  })

  it('sends a batch client each tick as one packet (an alert with its log entries), like the plain stream', async () => {
    const b = await connect(srv.url, srv.ownerToken, { batch: true })
    try {
      const r = await key<Json>('POST', '/v2/alerts', { message: 'batched on db-9', alias: 'batched-db-9' })
      expect(r.status).toBe(202)
      const m = await b.waitStream(hasDoc('alerts', (d) => d.message === 'batched on db-9'))
      if (!('documents' in m)) throw new Error('not a document message')
      const id = m.documents[0]?.id
      // The alert and its log entries committed together, so one tick, one packet, one checkpoint.
      const packet = b.batches.find((ms) => ms.includes(m))
      const logs = packet?.find(hasDoc('alertLogs', (d) => d.alertId === id))
      expect(logs && 'checkpoint' in logs && logs.checkpoint).toEqual(m.checkpoint)
      // The plain client got the same documents as single messages with the same checkpoint.
      const plain = await c.waitStream(hasDoc('alerts', (d) => d.id === id))
      expect('checkpoint' in plain && plain.checkpoint).toEqual(m.checkpoint)
      expect(await c.waitStream(hasDoc('alertLogs', (d) => d.alertId === id))).toBeTruthy()
      // Documents reach the batch client only in packets; single messages are RESYNCs alone.
      expect(b.streams.length).toBe(b.batches.flat().length + b.streams.filter((s) => 'resync' in s).length)
      expect(c.batches).toEqual([])
    } finally {
      b.close()
    }
  })

  it('streams a change only once it is durable (after the fsync the 202 waits for, too)', async () => {
    const store = srv.ctx.store
    const realSync = store.sync
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    let calls = 0
    let called: () => void = () => {}
    const twoCalls = new Promise<void>((r) => {
      called = r
    })
    let committed = false
    srv.ctx.writer.onCommit(() => {
      committed = true
    })
    // Held fsync: every caller after the commit waits (the HTTP answer and the feed tick).
    store.sync = () => {
      if (committed && ++calls >= 2) called()
      return committed ? gate.then(() => realSync.call(store)) : realSync.call(store)
    }
    try {
      const answer = key<Json>('POST', '/v2/alerts', { message: 'durable first', alias: 'durable-first' })
      const first = await Promise.race([
        twoCalls.then(() => 'both wait for the fsync'),
        c.waitStream(hasDoc('alerts', (d) => d.alias === 'durable-first')).then(() => 'streamed before it'),
      ])
      expect(first).toBe('both wait for the fsync')
      expect(c.streams.some(hasDoc('alerts', (d) => d.alias === 'durable-first'))).toBe(false)
      release()
      await c.waitStream(hasDoc('alerts', (d) => d.alias === 'durable-first'))
      expect((await answer).status).toBe(202)
    } finally {
      store.sync = realSync
      release()
    }
  })

  it('answers a pull reaching a change only once the change is durable', async () => {
    const store = srv.ctx.store
    const realSync = store.sync
    const before = await c.pull('alerts', undefined, 1000)
    if (!before.ok) throw new Error(before.error.message)
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    let committed = false
    srv.ctx.writer.onCommit(() => {
      committed = true
    })
    let calls = 0
    const waiting: Array<{ n: number; resolve: () => void }> = []
    store.sync = () => {
      if (!committed) return realSync.call(store)
      calls++
      for (const w of waiting.filter((x) => calls >= x.n)) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve()
      }
      return gate.then(() => realSync.call(store))
    }
    const callNumber = (n: number) => new Promise<void>((resolve) => waiting.push({ n, resolve }))
    try {
      const answer = key<Json>('POST', '/v2/alerts', {
        message: 'pulled when durable',
        alias: 'pull-durable',
      })
      // The HTTP answer and the feed tick both hold at the fsync; the third caller is the pull.
      await callNumber(2)
      const pulled = c.pull('alerts', before.value.checkpoint, 1000)
      const first = await Promise.race([
        callNumber(3).then(() => 'the pull waits for the fsync'),
        pulled.then(() => 'answered before it'),
      ])
      expect(first).toBe('the pull waits for the fsync')
      release()
      const r = await pulled
      expect(r.ok && r.value.documents.some((d) => d.alias === 'pull-durable')).toBe(true)
      expect((await answer).status).toBe(202)
    } finally {
      store.sync = realSync
      release()
    }
  })

  it('writes a pushed document, answers conflicts with the master, and ignores a duplicate push', async () => {
    const doc: Doc = {
      id: `sched-${name}-push`,
      _deleted: false,
      name: `pushed-${name}`,
      description: 'made offline',
      timezone: 'Europe/Berlin',
      enabled: true,
      teamId: srv.teamId,
      rotations: [
        {
          id: 'rot-1',
          name: 'weekly',
          type: 'weekly',
          length: 1,
          startDate: '2026-03-02T09:00',
          participants: [{ type: 'none' }],
        },
      ],
    }
    const created = await c.push('schedules', [{ newDocumentState: doc }])
    expect(created).toEqual({ ok: true, value: { conflicts: [], rejected: [] } })
    const http = await owner<Json>('GET', `/v2/schedules/${doc.id}`)
    expect(http.body.data).toMatchObject({ name: doc.name, timezone: 'Europe/Berlin' })
    const pulled = await c.pullAll('schedules')
    // Stored as pushed, plus the server-maintained author (from the audit entry of the write).
    const by = 'owner@vigil.test'
    expect(pulled.docs.get(doc.id)).toEqual({ ...doc, updatedBy: by })

    // A retry of the same push: no conflict, no new change.
    expect(await c.push('schedules', [{ newDocumentState: doc }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const quiet = await c.pull('schedules', pulled.checkpoint, 100)
    expect(quiet.ok && quiet.value.documents).toEqual([])

    // Someone changes it over HTTP; a push based on the old state is a conflict answered with the master.
    expect((await owner('PATCH', `/v2/schedules/${doc.id}`, { description: 'changed online' })).status).toBe(
      200,
    )
    const stale = await c.push('schedules', [
      { assumedMasterState: doc, newDocumentState: { ...doc, description: 'changed offline' } },
    ])
    if (!stale.ok) throw new Error(stale.error.message)
    expect(stale.value.conflicts).toEqual([{ ...doc, description: 'changed online', updatedBy: by }])
    expect((await owner<Json>('GET', `/v2/schedules/${doc.id}`)).body.data.description).toBe('changed online')

    // Based on the real master it goes through, and the stream carries it.
    const master = stale.value.conflicts[0] as Doc
    const ok = await c.push('schedules', [
      { assumedMasterState: master, newDocumentState: { ...master, enabled: false } },
    ])
    expect(ok).toEqual({ ok: true, value: { conflicts: [], rejected: [] } })
    await c.waitStream(hasDoc('schedules', (d) => d.id === doc.id && d.enabled === false))
    // The audit log recorded the sync write like an HTTP one.
    const audit = await owner<Json>('GET', `/api/v1/audit?entityId=${doc.id}`)
    expect(audit.body.data.map((e: Json) => e.action)).toEqual(expect.arrayContaining(['create', 'update']))
  })

  it('writes team configuration pushed over sync: policies, routing rules, overrides', async () => {
    const users = await c.pullAll('users')
    const ownerId = [...users.docs.values()].find((u) => u.username === 'owner@vigil.test')?.id as string
    const policy: Doc = {
      id: `pol-${name}`,
      _deleted: false,
      name: `policy ${name}`,
      description: '',
      teamId: srv.teamId,
      rules: [
        {
          condition: 'if-not-acked',
          delayMinutes: 0,
          recipient: { type: 'user', id: ownerId },
          notifyType: 'default',
        },
      ],
    }
    expect(await c.push('escalationPolicies', [{ newDocumentState: policy }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    expect((await owner('GET', `/v2/escalations/${policy.id}`)).status).toBe(200)

    const rule: Doc = {
      id: `rule-${name}`,
      _deleted: false,
      teamId: srv.teamId,
      name: 'to the policy',
      order: 0,
      criteria: { type: 'match-all' },
      timezone: 'UTC',
      notify: { type: 'escalation', id: policy.id },
      isDefault: false,
    }
    expect(await c.push('routingRules', [{ newDocumentState: rule }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const rules = await owner<Json>('GET', `/v2/teams/${srv.teamId}/routing-rules`)
    expect(rules.body.data.map((r: Json) => r.id)).toContain(rule.id)
    const pulledRules = await c.pullAll('routingRules')
    expect(pulledRules.docs.get(rule.id)).toEqual({ ...rule, updatedBy: 'owner@vigil.test' })

    // Deleting a policy a rule routes to is refused with the reason, and the policy stays.
    const del = await c.push('escalationPolicies', [
      { assumedMasterState: policy, newDocumentState: { ...policy, _deleted: true } },
    ])
    if (!del.ok) throw new Error(del.error.message)
    expect(del.value.rejected[0]?.reason).toMatch(/is used by routing rule/)
    expect(del.value.conflicts).toEqual([{ ...policy, updatedBy: 'owner@vigil.test' }])

    const sched = await schedule(`with-override-${name}`)
    const override: Doc = {
      id: `ovr-${name}`,
      _deleted: false,
      scheduleId: sched,
      alias: 'cover',
      userId: ownerId,
      start: Date.UTC(2026, 3, 1),
      end: Date.UTC(2026, 3, 2),
    }
    expect(await c.push('overrides', [{ newDocumentState: override }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const overrides = await owner<Json>('GET', `/v2/schedules/${sched}/overrides`)
    expect(overrides.body.data.map((o: Json) => o.alias)).toEqual(['cover'])
    const bad = await c.push('overrides', [
      { newDocumentState: { ...override, id: `ovr2-${name}`, alias: 'cover2', end: override.start } },
    ])
    expect(bad.ok && bad.value.rejected).toEqual([{ id: `ovr2-${name}`, reason: 'end: must be after start' }])
  })

  it('rejects a malformed or oversized push whole, applying none of its rows', async () => {
    const good = (i: number): Doc => ({
      id: `whole-${i}`,
      _deleted: false,
      name: `whole-${name}-${i}`,
      description: '',
      timezone: 'UTC',
      enabled: true,
      teamId: srv.teamId,
      rotations: [],
    })
    const malformed = await c.push('schedules', [
      { newDocumentState: good(1) },
      { newDocumentState: { ...good(2), timezone: 42 } as unknown as Doc },
    ])
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid' } })
    const oversized = await c.push(
      'schedules',
      Array.from({ length: 201 }, (_, i) => ({ newDocumentState: good(100 + i) })),
    )
    expect(oversized).toMatchObject({ ok: false, error: { code: 'too-large' } })
    const notAPush = await c.push('nonsense' as never, [])
    expect(notAPush).toMatchObject({ ok: false, error: { code: 'invalid' } })
    const all = await c.pullAll('schedules')
    expect([...all.docs.keys()].filter((id) => id.startsWith('whole-'))).toEqual([])
  })

  it('answers a malformed pull with a reason, never a thrown error', async () => {
    expect(await c.pull('alerts', { seq: -1 }, 10)).toMatchObject({ ok: false, error: { code: 'invalid' } })
    expect(await c.pull('alerts', undefined, 100_000)).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    })
  })
})
