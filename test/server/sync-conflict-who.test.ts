// Conflicts name who made the server's change (issue 4 §3 "records the conflict (both values, who, when)"):
// the pushable documents carry a server-maintained `updatedBy` (from the audit log), pushes ignore a
// client-sent one, and the console's merge takes the server's. Against the real server on both stores: the
// raw protocol, then two real replicas (src-renderer/db, RxDB memory storage) of two different users.

import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'
import { filter, firstValueFrom, type Observable } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import { api, login, startTestServer, TEST_OWNER, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { weeklyScheduleBody } from './sync-client-fixtures'
import { connect, type Doc, hasDoc, type SyncClient } from './sync-support'

type Json = Record<string, any>
const kinds = await storeKinds()
const PASSWORD = 'a long enough password 1'
const until = <T>(obs$: Observable<T>, pred: (v: T) => boolean): Promise<T> =>
  firstValueFrom(obs$.pipe(filter(pred)))

describe.each(kinds)('conflicts name who changed the server state, on $name', ({ name }) => {
  let srv: TestServer
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 12))
  const open: VigilDatabase[] = []
  const sockets: SyncClient[] = []
  const alice = { username: `alice-${name}@vigil.test`, token: '', id: '' }
  const bob = { username: `bob-${name}@vigil.test`, token: '', id: '' }
  const owner = <T = Json>(method: string, path: string, body?: unknown) =>
    api<T>(srv.url, method, path, `Bearer ${srv.ownerToken}`, body)

  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    // Two admins of the bootstrap team: both may edit its schedules.
    for (const u of [alice, bob]) {
      const r = await owner<Json>('POST', '/api/v1/users', {
        username: u.username,
        fullName: u.username,
        role: 'user',
        password: PASSWORD,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      u.id = r.body.data.id
      const m = await owner('POST', `/api/v1/teams/${srv.teamId}/members`, {
        user: { username: u.username },
        role: 'admin',
      })
      expect(m.status, JSON.stringify(m.body)).toBe(201)
      u.token = await login(srv.url, u.username, PASSWORD)
    }
  })
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close()
    await Promise.all(open.splice(0).map((c) => c.close()))
  })
  afterAll(async () => {
    await srv?.close()
  })

  async function socket(token: string): Promise<SyncClient> {
    const c = await connect(srv.url, token)
    sockets.push(c)
    return c
  }

  async function replica(token: string): Promise<VigilDatabase> {
    const c = await createVigilDatabase({
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
      url: srv.url,
      token,
      name: `who${Math.random().toString(36).slice(2)}`,
      multiInstance: false,
      clock,
      retryTime: 50,
      retentionIntervalMs: 0,
      socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 50 },
      // Two replicas in one process share RxDB's 13 open collections.
      collections: ['schedules'],
    })
    open.push(c)
    await c.leadership()
    return c
  }

  async function createSchedule(scheduleName: string): Promise<string> {
    const r = await owner<{ data: { id: string } }>(
      'POST',
      '/v2/schedules',
      weeklyScheduleBody(scheduleName, srv.teamId),
    )
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data.id
  }

  const schedulesAudit = async (id: string) =>
    (await owner<Json>('GET', `/api/v1/audit?entityType=schedule&entityId=${id}`)).body.data.map(
      (e: Json) => `${e.action} by ${e.actor.name}`,
    )

  it('names the last writer over HTTP or sync, ignoring the updatedBy a push carries', async () => {
    const id = await createSchedule(`who-protocol-${name}`)
    const a = await socket(alice.token)
    const first = await a.pullAll('schedules')
    const master = first.docs.get(id) as Doc
    expect(master.updatedBy).toBe(TEST_OWNER.email)

    // A push claiming to be someone else: stored under the pusher's name, and streamed back so.
    const forged = { ...master, description: 'from alice', updatedBy: 'mallory' }
    expect(await a.push('schedules', [{ assumedMasterState: master, newDocumentState: forged }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const streamed = await a.waitStream(
      hasDoc('schedules', (d) => d.id === id && d.description === 'from alice'),
    )
    if (!('documents' in streamed)) throw new Error('not a document message')
    expect(streamed.documents.find((d) => d.id === id)?.updatedBy).toBe(alice.username)

    // A retry of that push and an edit based on what alice sent (before the stream's stamp arrived): the
    // stale updatedBy they carry is no reason for a conflict.
    expect(await a.push('schedules', [{ assumedMasterState: master, newDocumentState: forged }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const next = { ...forged, enabled: false }
    expect(await a.push('schedules', [{ assumedMasterState: forged, newDocumentState: next }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    expect(await schedulesAudit(id)).toEqual([
      `update by ${alice.username}`,
      `update by ${alice.username}`,
      `create by ${TEST_OWNER.email}`,
    ])

    // Bob's push based on the state before alice's edits is a conflict answered with alice's name.
    const b = await socket(bob.token)
    const stale = await b.push('schedules', [
      { assumedMasterState: master, newDocumentState: { ...master, name: 'bob was here' } },
    ])
    expect(stale.ok && stale.value.conflicts).toEqual([
      { ...master, description: 'from alice', enabled: false, updatedBy: alice.username },
    ])

    // An HTTP change names its caller too, and the pull carries it.
    expect((await owner('PATCH', `/v2/schedules/${id}`, { description: 'from the owner' })).status).toBe(200)
    const after = await a.pullAll('schedules', first.checkpoint)
    expect(after.docs.get(id)).toMatchObject({ description: 'from the owner', updatedBy: TEST_OWNER.email })
  })

  it('stamps overrides, escalation policies, routing rules and `me` documents as well', async () => {
    const id = await createSchedule(`who-kinds-${name}`)
    const r = await owner<Json>('POST', `/v2/schedules/${id}/overrides`, {
      alias: 'cover',
      user: { type: 'user', username: TEST_OWNER.email },
      startDate: '2026-12-01T09:00:00Z',
      endDate: '2026-12-02T09:00:00Z',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    const a = await socket(alice.token)
    const overrides = await a.pullAll('overrides')
    const cover = [...overrides.docs.values()].find((o) => o.scheduleId === id && o.alias === 'cover') as Doc
    expect(cover.updatedBy).toBe(TEST_OWNER.email)
    const moved = { ...cover, end: cover.end + 3_600_000 }
    expect(await a.push('overrides', [{ assumedMasterState: cover, newDocumentState: moved }])).toEqual({
      ok: true,
      value: { conflicts: [], rejected: [] },
    })
    const again = await a.pullAll('overrides', overrides.checkpoint)
    expect(again.docs.get(cover.id)).toEqual({ ...moved, updatedBy: alice.username })

    const policy: Doc = {
      id: `who-pol-${name}`,
      _deleted: false,
      name: `who policy ${name}`,
      description: '',
      teamId: srv.teamId,
      rules: [
        {
          condition: 'if-not-acked',
          delayMinutes: 0,
          recipient: { type: 'user', id: alice.id },
          notifyType: 'default',
        },
      ],
    }
    const rule: Doc = {
      id: `who-rule-${name}`,
      _deleted: false,
      teamId: srv.teamId,
      name: 'who rule',
      order: 0,
      criteria: { type: 'match-all' },
      timezone: 'UTC',
      notify: { type: 'escalation', id: policy.id },
      isDefault: false,
    }
    const contact: Doc = {
      id: `who-contact-${name}`,
      _deleted: false,
      kind: 'contact',
      userId: alice.id,
      enabled: true,
      method: 'email',
      to: `pager-${name}@vigil.test`,
    }
    for (const [collection, doc] of [
      ['escalationPolicies', policy],
      ['routingRules', rule],
      ['me', contact],
    ] as const) {
      expect(await a.push(collection, [{ newDocumentState: doc }]), collection).toEqual({
        ok: true,
        value: { conflicts: [], rejected: [] },
      })
      const pulled = await a.pullAll(collection)
      expect(pulled.docs.get(doc.id), collection).toEqual({ ...doc, updatedBy: alice.username })
    }
  })

  /**
   * Alice and Bob replicate schedule `id`; Alice edits it offline while Bob's edit reaches the server, then
   * Alice comes back online and pushes hers.
   */
  async function editWhileAliceOffline(
    id: string,
    alicePatch: Record<string, unknown>,
    bobPatch: Record<string, unknown>,
  ) {
    const a = await replica(alice.token)
    const b = await replica(bob.token)
    await until(a.db.schedules.findOne(id).$, (d) => d !== null)
    await until(b.db.schedules.findOne(id).$, (d) => d !== null)
    await until(a.status$, (s) => s.state === 'online')
    a.goOffline()
    await until(a.status$, (s) => s.state === 'offline')
    await a.db.schedules.findOne(id).patch(alicePatch)
    await b.db.schedules.findOne(id).patch(bobPatch)
    await until(b.status$, (s) => s.state === 'online' && s.pending === 0)
    a.goOnline()
    await until(a.status$, (s) => s.state === 'online' && s.pending === 0)
    return { a, b }
  }

  it('converges without a conflict when two users edit different fields of one schedule', async () => {
    const id = await createSchedule(`who-merge-${name}`)
    const { a, b } = await editWhileAliceOffline(id, { description: 'from alice' }, { enabled: false })
    // Alice's merged edit is the last write: both replicas end with it, stamped with her name.
    const expected = { description: 'from alice', enabled: false, updatedBy: alice.username }
    await until(b.db.schedules.findOne(id).$, (d) => d?.updatedBy === alice.username)
    await a.awaitInSync()
    await b.awaitInSync()
    const docA = (await a.db.schedules.findOne(id).exec())?.toJSON()
    const docB = (await b.db.schedules.findOne(id).exec())?.toJSON()
    expect(docA).toMatchObject(expected)
    expect(docB).toEqual(docA)
    expect(await a.issues.conflicts()).toEqual([])
    expect(await b.issues.conflicts()).toEqual([])
    // One write each, no ping-pong of re-stamped documents.
    expect(await schedulesAudit(id)).toEqual([
      `update by ${alice.username}`,
      `update by ${bob.username}`,
      `create by ${TEST_OWNER.email}`,
    ])
  })

  it("records a true conflict under the other user's name", async () => {
    const id = await createSchedule(`who-conflict-${name}`)
    const { a, b } = await editWhileAliceOffline(
      id,
      { name: 'alice names it', description: 'from alice' },
      { name: 'bob names it' },
    )
    expect(await a.issues.conflicts()).toEqual([
      expect.objectContaining({
        collection: 'schedules',
        docId: id,
        field: 'name',
        base: `who-conflict-${name}`,
        mine: 'alice names it',
        theirs: 'bob names it',
        who: bob.username,
        when: clock.now(),
      }),
    ])
    // The server's name was kept, alice's one-sided description went through under her name.
    await until(b.db.schedules.findOne(id).$, (d) => d?.description === 'from alice')
    await a.awaitInSync()
    await b.awaitInSync()
    const docA = (await a.db.schedules.findOne(id).exec())?.toJSON()
    expect(docA).toMatchObject({ name: 'bob names it', description: 'from alice', updatedBy: alice.username })
    expect((await b.db.schedules.findOne(id).exec())?.toJSON()).toEqual(docA)
    expect(await b.issues.conflicts()).toEqual([])
  })
})
