import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { fixtures } from '../support/fixtures'
import { client } from '../support/http'
import { login, startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
type Client = ReturnType<typeof client>
const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>

const ALICE = 'alice@vigil.test'
const BOB = 'bob@vigil.test'
const CAROL = 'carol@vigil.test'
const PASSWORD = 'a long enough password 1'

/** The VEVENTs of an iCal text: unfolded properties per event. */
function events(ics: string): Array<Record<string, string>> {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)
  const out: Array<Record<string, string>> = []
  let cur: Record<string, string> | undefined
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') cur = {}
    else if (line === 'END:VEVENT' && cur) {
      out.push(cur)
      cur = undefined
    } else if (cur) {
      const i = line.indexOf(':')
      cur[line.slice(0, i)] = line.slice(i + 1).replace(/\\,/g, ',')
    }
  }
  return out
}

describe.each(kinds)('Opsgenie Schedule API on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 25, 12, 0, 0))
  let srv: TestServer
  let owner: Client
  let key: Client
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
    for (const username of [ALICE, BOB, CAROL]) {
      const r = await owner<Json>('POST', '/api/v1/users', {
        username,
        fullName: username,
        role: 'user',
        password: PASSWORD,
      })
      expect(r.status).toBe(201)
      ids[username] = r.body.data.id
    }
  })
  afterAll(async () => srv?.close())

  const integrationKey: Fx['integrationKey'] = (...a) => fixtures(srv).integrationKey(...a)
  const team: Fx['team'] = (...a) => fixtures(srv).team(...a)
  const user: Fx['user'] = (...a) => fixtures(srv).user(...a)

  const berlin = (scheduleName: string, over: Json = {}): Json => ({
    name: scheduleName,
    description: 'primary on-call',
    timezone: 'Europe/Berlin',
    ownerTeam: { name: 'Default' },
    rotations: [
      {
        name: 'primary',
        startDate: '2026-03-27T09:00:00+01:00',
        type: 'daily',
        length: 1,
        participants: [
          { type: 'user', username: ALICE },
          { type: 'user', id: ids[BOB] },
        ],
      },
    ],
    ...over,
  })

  async function create(body: Json, as: Client = key): Promise<Json> {
    const r = await as<Json>('POST', '/v2/schedules', body)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data
  }

  const onCall = async (id: string, iso: string, flat = false) =>
    (await key<Json>('GET', `/v2/schedules/${id}/on-calls?date=${encodeURIComponent(iso)}&flat=${flat}`)).body
      .data

  it('creates, reads, lists, updates and deletes schedules with Opsgenie bodies', async () => {
    const created = await key<Json>('POST', '/v2/schedules', berlin('crud'))
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      result: 'Created',
      requestId: expect.any(String),
      took: expect.any(Number),
    })
    const s = created.body.data
    expect(s).toMatchObject({
      id: expect.any(String),
      name: 'crud',
      description: 'primary on-call',
      timezone: 'Europe/Berlin',
      enabled: true,
      ownerTeam: { id: srv.teamId, name: 'Default' },
    })
    expect(s.rotations).toEqual([
      {
        id: expect.any(String),
        name: 'primary',
        startDate: '2026-03-27T08:00:00Z',
        type: 'daily',
        length: 1,
        participants: [
          { type: 'user', id: ids[ALICE], username: ALICE },
          { type: 'user', id: ids[BOB], username: BOB },
        ],
      },
    ])
    // Stored as wall-clock time in the schedule's zone.
    const row = await srv.ctx.store.db
      .selectFrom('schedules')
      .select('rotations')
      .where('id', '=', s.id)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(row.rotations)[0].startDate).toBe('2026-03-27T09:00:00')

    expect((await key<Json>('GET', `/v2/schedules/${s.id}`)).body.data).toEqual(s)
    const byName = await key<Json>('GET', '/v2/schedules/crud?identifierType=name')
    expect(byName.status).toBe(200)
    expect(byName.body.data.id).toBe(s.id)
    const list = await owner<Json>('GET', '/v2/schedules')
    expect(list.body.data.map((x: Json) => x.name)).toContain('crud')

    const patched = await key<Json>('PATCH', '/v2/schedules/crud?identifierType=name', {
      description: 'changed',
      enabled: false,
      name: 'crud-2',
    })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({
      result: 'Updated',
      data: { name: 'crud-2', description: 'changed', enabled: false },
    })
    expect(patched.body.data.rotations).toEqual(s.rotations)

    const del = await key<Json>('DELETE', `/v2/schedules/${s.id}`)
    expect(del.status).toBe(200)
    expect(del.body.result).toBe('Deleted')
    const gone = await key<Json>('GET', `/v2/schedules/${s.id}`)
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ message: expect.stringContaining(s.id), requestId: expect.any(String) })
  })

  it('answers 409, 422 and 404 as JSON', async () => {
    await create(berlin('dup'))
    const dup = await key<Json>('POST', '/v2/schedules', berlin('dup'))
    expect(dup.status).toBe(409)
    expect(dup.body.message).toContain('dup')
    const other = await create({ name: 'other' })
    expect(other.timezone).toBe('UTC')
    expect((await key('PATCH', '/v2/schedules/other?identifierType=name', { name: 'dup' })).status).toBe(409)

    const unknown = berlin('bad-user')
    unknown.rotations[0].participants[1] = { type: 'user', username: 'nobody@vigil.test' }
    const r1 = await key<Json>('POST', '/v2/schedules', unknown)
    expect(r1.status).toBe(422)
    expect(r1.body.errors['rotations[0].participants[1]']).toContain('nobody@vigil.test')

    const r2 = await key<Json>('POST', '/v2/schedules', berlin('bad-tz', { timezone: 'Mars/Olympus' }))
    expect(r2.status).toBe(422)
    expect(r2.body.errors.timezone).toContain('Mars/Olympus')

    const backwards = berlin('bad-end')
    Object.assign(backwards.rotations[0], { endDate: '2026-03-20T09:00:00+01:00' })
    const r3 = await key<Json>('POST', '/v2/schedules', backwards)
    expect(r3.status).toBe(422)
    expect(r3.body.errors['rotations[0].endDate']).toContain('after startDate')

    const r4 = await key<Json>('POST', '/v2/schedules', { description: 'no name' })
    expect(r4.status).toBe(422)
    expect(r4.body.errors.name).toBe('is required')

    const badDate = berlin('bad-date')
    badDate.rotations[0].startDate = 'tomorrow'
    const r5 = await key<Json>('POST', '/v2/schedules', badDate)
    expect(r5.status).toBe(422)
    expect(r5.body.errors['rotations[0].startDate']).toContain('tomorrow')

    expect((await key<Json>('GET', '/v2/schedules/none?identifierType=name')).status).toBe(404)
    expect((await key<Json>('GET', '/v2/schedules/dup?identifierType=bogus')).status).toBe(422)
  })

  it('hands off at 09:00 local on both sides of the DST change', async () => {
    const s = await create(berlin('dst'))
    const who = async (iso: string) => (await onCall(s.id, iso)).onCallParticipants.map((p: Json) => p.name)
    expect(await who('2026-03-27T07:59:00Z')).toEqual([])
    expect(await who('2026-03-27T08:00:00Z')).toEqual([ALICE])
    expect(await who('2026-03-28T07:59:00Z')).toEqual([ALICE])
    expect(await who('2026-03-28T08:00:00Z')).toEqual([BOB]) // 09:00 CET
    expect(await who('2026-03-29T06:59:00Z')).toEqual([BOB])
    expect(await who('2026-03-29T07:00:00Z')).toEqual([ALICE]) // 09:00 CEST
    expect(await who('2026-03-29T07:59:00Z')).toEqual([ALICE])
    expect(await who('2026-03-30T07:00:00Z')).toEqual([BOB])

    expect(await onCall(s.id, '2026-03-29T07:30:00Z')).toEqual({
      _parent: { id: s.id, name: 'dst', enabled: true },
      onCallParticipants: [{ id: ids[ALICE], name: ALICE, type: 'user' }],
    })
    expect(await onCall(s.id, '2026-03-29T07:30:00Z', true)).toEqual({
      _parent: { id: s.id, name: 'dst', enabled: true },
      onCallRecipients: [ALICE],
    })
    // By name, and the default date is the injected clock's now (before the first handoff).
    const byName = await key<Json>('GET', '/v2/schedules/dst/on-calls?scheduleIdentifierType=name')
    expect(byName.body.data.onCallParticipants).toEqual([])

    clock.set(Date.UTC(2026, 2, 29, 7, 30))
    try {
      const all = await key<Json>('GET', '/v2/schedules/on-calls?flat=true')
      expect(all.status).toBe(200)
      expect(all.body.data).toContainEqual({
        _parent: { id: s.id, name: 'dst', enabled: true },
        onCallRecipients: [ALICE],
      })
    } finally {
      clock.set(Date.UTC(2026, 2, 25, 12, 0, 0))
    }
  })

  it('answers next-on-calls and the timeline in Opsgenie shapes', async () => {
    const s = await create(berlin('tl'))
    const at = encodeURIComponent('2026-03-29T06:00:00Z')
    const next = await key<Json>('GET', `/v2/schedules/${s.id}/next-on-calls?date=${at}`)
    expect(next.status).toBe(200)
    const alice = { id: ids[ALICE], name: ALICE, type: 'user' }
    expect(next.body.data).toEqual({
      _parent: { id: s.id, name: 'tl', enabled: true },
      nextOnCallRecipients: [alice],
      exactNextOnCallRecipients: [alice],
    })
    const flat = await key<Json>('GET', `/v2/schedules/${s.id}/next-on-calls?date=${at}&flat=true`)
    expect(flat.body.data).toMatchObject({
      nextOnCallParticipants: [ALICE],
      exactNextOnCallParticipants: [ALICE],
    })

    const from = encodeURIComponent('2026-03-28T00:00:00Z')
    const tl = await key<Json>(
      'GET',
      `/v2/schedules/${s.id}/timeline?date=${from}&interval=2&intervalUnit=days&expand=base,override`,
    )
    expect(tl.status).toBe(200)
    const period = (start: string, end: string, u: string, type = 'default') => ({
      startDate: start,
      endDate: end,
      type,
      recipient: { id: ids[u], type: 'user', name: u },
    })
    const periods = [
      period('2026-03-28T00:00:00Z', '2026-03-28T08:00:00Z', ALICE),
      period('2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z', BOB),
      period('2026-03-29T07:00:00Z', '2026-03-29T23:00:00Z', ALICE),
    ]
    const rotation = { id: s.rotations[0].id, name: 'primary', order: 0 }
    expect(tl.body.data).toEqual({
      _parent: { id: s.id, name: 'tl', enabled: true },
      startDate: '2026-03-28T00:00:00Z',
      endDate: '2026-03-29T23:00:00Z',
      finalTimeline: { rotations: [{ ...rotation, periods }] },
      baseTimeline: { rotations: [{ ...rotation, periods }] },
      overrideTimeline: { rotations: [{ ...rotation, periods: [] }] },
    })
    const plain = await key<Json>('GET', `/v2/schedules/tl/timeline?identifierType=name&date=${from}`)
    expect(plain.body.data.baseTimeline).toBeUndefined()
    // A week in Berlin from 01:00 CET ends at 01:00 CEST.
    expect(plain.body.data.endDate).toBe('2026-04-03T23:00:00Z')
    expect((await key('GET', `/v2/schedules/${s.id}/timeline?intervalUnit=years`)).status).toBe(422)
  })

  it('lets overrides win, with GET/PUT/DELETE by alias', async () => {
    const s = await create(berlin('ovr'))
    const path = `/v2/schedules/${s.id}/overrides`
    const created = await key<Json>('POST', path, {
      alias: 'cover',
      user: { type: 'user', username: CAROL },
      startDate: '2026-03-28T10:00:00Z',
      endDate: '2026-03-28T12:00:00Z',
    })
    expect(created.status).toBe(201)
    expect(created.body.data).toEqual({
      alias: 'cover',
      user: { type: 'user', id: ids[CAROL], username: CAROL },
      startDate: '2026-03-28T10:00:00Z',
      endDate: '2026-03-28T12:00:00Z',
      rotations: [{ id: s.rotations[0].id, name: 'primary' }],
    })
    expect((await onCall(s.id, '2026-03-28T11:00:00Z', true)).onCallRecipients).toEqual([CAROL])
    expect((await onCall(s.id, '2026-03-28T12:00:00Z', true)).onCallRecipients).toEqual([BOB])
    const tl = await key<Json>(
      'GET',
      `/v2/schedules/${s.id}/timeline?date=2026-03-28T09:00:00Z&interval=1&intervalUnit=days&expand=override`,
    )
    expect(tl.body.data.overrideTimeline.rotations[0].periods).toEqual([
      {
        startDate: '2026-03-28T10:00:00Z',
        endDate: '2026-03-28T12:00:00Z',
        type: 'override',
        recipient: { id: ids[CAROL], type: 'user', name: CAROL },
      },
    ])

    expect(
      (await key('POST', path, { ...created.body.data, user: { type: 'user', username: CAROL } })).status,
    ).toBe(409)
    const replaced = await key<Json>('PUT', `${path}/cover?scheduleIdentifierType=id`, {
      user: { type: 'user', username: ALICE },
      startDate: '2026-03-28T10:00:00+02:00',
      endDate: '2026-03-28T14:00:00Z',
      rotations: [{ name: 'primary' }],
    })
    expect(replaced.status).toBe(200)
    expect(replaced.body.data).toMatchObject({ startDate: '2026-03-28T08:00:00Z', user: { username: ALICE } })
    expect((await onCall(s.id, '2026-03-28T13:00:00Z', true)).onCallRecipients).toEqual([ALICE])
    const list = await key<Json>('GET', `/v2/schedules/ovr/overrides?scheduleIdentifierType=name`)
    expect(list.body.data.map((o: Json) => o.alias)).toEqual(['cover'])
    expect((await key<Json>('GET', `${path}/cover`)).body.data.endDate).toBe('2026-03-28T14:00:00Z')

    const badRotation = await key<Json>('POST', path, {
      user: { type: 'user', username: CAROL },
      startDate: '2026-03-28T10:00:00Z',
      endDate: '2026-03-28T12:00:00Z',
      rotations: [{ name: 'nope' }],
    })
    expect(badRotation.status).toBe(422)
    expect(badRotation.body.errors['rotations[0]']).toContain('nope')
    const backwards = await key<Json>('POST', path, {
      user: { type: 'user', username: CAROL },
      startDate: '2026-03-28T12:00:00Z',
      endDate: '2026-03-28T10:00:00Z',
    })
    expect(backwards.status).toBe(422)
    expect(backwards.body.errors.endDate).toBeDefined()
    const generated = await key<Json>('POST', path, {
      user: { type: 'user', id: ids[CAROL] },
      startDate: '2026-04-01T00:00:00Z',
      endDate: '2026-04-02T00:00:00Z',
    })
    expect(generated.status).toBe(201)
    expect(generated.body.data.alias).toEqual(expect.any(String))

    expect((await key('DELETE', `${path}/cover`)).status).toBe(200)
    expect((await key<Json>('GET', `${path}/cover`)).status).toBe(404)
    expect((await key('PUT', `${path}/cover`, replaced.body.data)).status).toBe(404)
    expect((await onCall(s.id, '2026-03-28T13:00:00Z', true)).onCallRecipients).toEqual([BOB])
  })

  it('manages rotations as a sub-resource', async () => {
    const s = await create(berlin('rot'))
    const base = '/v2/schedules/rot/rotations'
    const q = '?scheduleIdentifierType=name'
    const list = await key<Json>('GET', base + q)
    expect(list.body.data).toEqual(s.rotations)
    const added = await key<Json>('POST', base + q, {
      name: 'secondary',
      startDate: '2026-03-30T00:00:00Z',
      type: 'weekly',
      participants: [{ type: 'none' }, { type: 'user', username: CAROL }],
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 9, startMin: 0, endHour: 17, endMin: 0 },
      },
    })
    expect(added.status).toBe(201)
    expect(added.body.data).toMatchObject({
      name: 'secondary',
      startDate: '2026-03-30T00:00:00Z',
      type: 'weekly',
      length: 1,
      participants: [{ type: 'none' }, { type: 'user', id: ids[CAROL], username: CAROL }],
    })
    const rid = added.body.data.id
    expect((await key<Json>('GET', `${base}/${rid}${q}`)).body.data).toEqual(added.body.data)
    const patched = await key<Json>('PATCH', `${base}/${rid}${q}`, { name: 'backup', length: 2 })
    expect(patched.status).toBe(200)
    expect(patched.body.data).toMatchObject({ name: 'backup', length: 2, startDate: '2026-03-30T00:00:00Z' })
    // Two-week turns starting with an empty slot: carol comes on in week 3, only within 09-17 Berlin.
    expect((await onCall(s.id, '2026-04-06T10:00:00Z', true)).onCallRecipients).toEqual([ALICE])
    expect((await onCall(s.id, '2026-04-13T10:00:00Z', true)).onCallRecipients).toEqual([BOB, CAROL])
    expect((await onCall(s.id, '2026-04-13T20:00:00Z', true)).onCallRecipients).toEqual([BOB])

    const bad = await key<Json>('PATCH', `${base}/${rid}${q}`, {
      participants: [{ type: 'team', name: 'x' }],
    })
    expect(bad.status).toBe(422)
    expect(bad.body.errors['body.participants[0].type']).toContain('team')
    expect((await key<Json>('GET', `${base}/nope${q}`)).status).toBe(404)
    expect((await key<Json>('DELETE', `${base}/${rid}${q}`)).status).toBe(200)
    expect((await key<Json>('GET', `${base}/${rid}${q}`)).status).toBe(404)
    expect((await key<Json>('GET', base + q)).body.data).toHaveLength(1)
  })

  it('requires configuration access to change, keeps keys to their team, and gives sessions their roles', async () => {
    await create(berlin('acl'))
    const plain = await integrationKey(srv.teamId)
    expect((await plain<Json>('GET', '/v2/schedules/acl?identifierType=name')).status).toBe(200)
    const denied = await plain<Json>('POST', '/v2/schedules', berlin('acl-2'))
    expect(denied.status).toBe(403)
    expect(denied.body.message).toContain('configuration')
    for (const [method, path, body] of [
      ['PATCH', '/v2/schedules/acl?identifierType=name', { description: 'x' }],
      ['DELETE', '/v2/schedules/acl?identifierType=name', undefined],
      ['POST', '/v2/schedules/acl/rotations?scheduleIdentifierType=name', berlin('x').rotations[0]],
      [
        'POST',
        '/v2/schedules/acl/overrides?scheduleIdentifierType=name',
        {
          user: { type: 'user', username: ALICE },
          startDate: '2026-04-01T00:00:00Z',
          endDate: '2026-04-02T00:00:00Z',
        },
      ],
      ['POST', '/v2/schedules/acl/calendar-token?identifierType=name', undefined],
    ] as const) {
      expect((await plain(method, path, body)).status, `${method} ${path}`).toBe(403)
    }

    const ops = await team('sched-ops')
    const opsKey = await integrationKey(ops, { allowConfigurationAccess: true })
    expect((await opsKey('GET', '/v2/schedules/acl?identifierType=name')).status).toBe(404)
    expect(
      (await opsKey('PATCH', '/v2/schedules/acl?identifierType=name', { description: 'x' })).status,
    ).toBe(404)
    expect(
      (await opsKey('POST', '/v2/schedules', berlin('ops-key', { ownerTeam: { name: 'Default' } }))).status,
    ).toBe(403)
    const mine = await create(berlin('ops-key', { ownerTeam: undefined }), opsKey)
    expect(mine.ownerTeam).toEqual({ id: ops, name: 'sched-ops' })
    expect((await opsKey<Json>('GET', '/v2/schedules')).body.data.map((x: Json) => x.name)).toEqual([
      'ops-key',
    ])

    const admin = await user('sched-admin@vigil.test', 'user', ops, 'admin')
    const member = await user('sched-member@vigil.test', 'user', ops, 'user')
    const observer = await user('sched-observer@vigil.test', 'observer', ops, 'user')
    const outsider = await user('sched-outsider@vigil.test', 'user')
    const s = await create(berlin('ops-admin', { ownerTeam: { id: ops } }), admin)
    expect((await admin('PATCH', `/v2/schedules/${s.id}`, { description: 'y' })).status).toBe(200)
    expect(
      (await admin('POST', '/v2/schedules', berlin('ops-x', { ownerTeam: { name: 'Default' } }))).status,
    ).toBe(403)
    expect((await member('GET', `/v2/schedules/${s.id}`)).status).toBe(200)
    expect((await member('GET', `/v2/schedules/${s.id}/on-calls`)).status).toBe(200)
    expect((await member('PATCH', `/v2/schedules/${s.id}`, { description: 'z' })).status).toBe(403)
    expect((await observer('GET', `/v2/schedules/${s.id}/timeline`)).status).toBe(200)
    expect((await observer('DELETE', `/v2/schedules/${s.id}`)).status).toBe(403)
    expect((await outsider('GET', `/v2/schedules/${s.id}`)).status).toBe(404)
    expect((await outsider<Json>('GET', '/v2/schedules')).body.data).toEqual([])
    expect((await owner('DELETE', `/v2/schedules/${s.id}`)).status).toBe(200)
  })

  it('records an audit entry for every change', async () => {
    const s = await create(berlin('audited'))
    const rid = s.rotations[0].id
    await key('PATCH', `/v2/schedules/${s.id}`, { description: 'd' })
    await key('PATCH', `/v2/schedules/${s.id}/rotations/${rid}`, { length: 2 })
    await key('POST', `/v2/schedules/${s.id}/overrides`, {
      alias: 'a1',
      user: { type: 'user', username: CAROL },
      startDate: '2026-04-01T00:00:00Z',
      endDate: '2026-04-02T00:00:00Z',
    })
    await key('DELETE', `/v2/schedules/${s.id}/overrides/a1`)
    // A rejected change leaves no entry.
    expect(
      (await key('PATCH', `/v2/schedules/${s.id}/rotations/${rid}`, { endDate: '2020-01-01T00:00:00Z' }))
        .status,
    ).toBe(422)
    await key('DELETE', `/v2/schedules/${s.id}`)
    const rows = await srv.ctx.store.db
      .selectFrom('audit_log')
      .select(['action', 'entity_type', 'entity_id', 'actor_kind', 'before', 'after'])
      .where((eb) =>
        eb.or([eb('entity_id', '=', s.id), eb('entity_id', '=', rid), eb('entity_id', '=', `${s.id}:a1`)]),
      )
      .orderBy('id')
      .execute()
    expect(rows.map((r) => `${r.action} ${r.entity_type}`)).toEqual([
      'create schedule',
      'update schedule',
      'update rotation',
      'create override',
      'delete override',
      'delete schedule',
    ])
    expect(rows.every((r) => r.actor_kind === 'key')).toBe(true)
    expect(JSON.parse(rows[1]?.after ?? '{}').description).toBe('d')
    expect(JSON.parse(rows[2]?.before ?? '{}').length).toBe(1)
    expect(JSON.parse(rows[2]?.after ?? '{}').length).toBe(2)
  })

  it('serves .ics feeds behind revocable tokens', async () => {
    const s = await create(berlin('ics'))
    const feed = (path: string) => fetch(srv.url + path)
    expect((await feed(`/v2/schedules/${s.id}.ics`)).status).toBe(401)
    const tok = await owner<Json>('POST', `/v2/schedules/${s.id}/calendar-token`)
    expect(tok.status).toBe(201)
    const token = tok.body.data.token as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const stored = await srv.ctx.store.db
      .selectFrom('calendar_tokens')
      .selectAll()
      .where('subject_id', '=', s.id)
      .execute()
    expect(stored).toHaveLength(1)
    expect(stored[0]?.token_hash).not.toContain(token)

    const res = await feed(tok.body.data.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/calendar')
    const evs = events(await res.text())
    // Now is 2026-03-25 12:00Z; three months of daily turns from the 27th.
    expect(evs.length).toBeGreaterThan(80)
    expect(evs.slice(0, 3).map((e) => [e.DTSTART, e.DTEND, e.SUMMARY])).toEqual([
      ['20260327T080000Z', '20260328T080000Z', `${ALICE} on call (ics / primary)`],
      ['20260328T080000Z', '20260329T070000Z', `${BOB} on call (ics / primary)`],
      ['20260329T070000Z', '20260330T070000Z', `${ALICE} on call (ics / primary)`],
    ])

    const wrong = await feed(`/v2/schedules/${s.id}.ics?token=not-the-token`)
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ message: expect.stringContaining('token') })
    const rotated = await owner<Json>('POST', `/v2/schedules/${s.id}/calendar-token`)
    expect((await feed(`/v2/schedules/${s.id}.ics?token=${token}`)).status).toBe(401)
    expect((await feed(rotated.body.data.url)).status).toBe(200)
    expect((await owner('DELETE', `/v2/schedules/${s.id}/calendar-token`)).status).toBe(200)
    expect((await feed(rotated.body.data.url)).status).toBe(401)

    // One user's shifts across schedules.
    await create(
      berlin('ics-2', {
        timezone: 'UTC',
        rotations: [
          {
            startDate: '2026-03-26T00:00:00Z',
            type: 'weekly',
            participants: [{ type: 'user', username: ALICE }],
          },
        ],
      }),
    )
    const alice = client(srv.url, `Bearer ${await login(srv.url, ALICE, PASSWORD)}`)
    expect((await alice('POST', `/api/v1/users/${ids[BOB]}/calendar-token`)).status).toBe(403)
    const ut = await alice<Json>('POST', `/api/v1/users/${ids[ALICE]}/calendar-token`)
    expect(ut.status).toBe(201)
    expect(ut.body.data.url).toBe(
      `/v2/schedules/on-calls/${encodeURIComponent(ALICE)}.ics?token=${ut.body.data.token}`,
    )
    const mineRes = await feed(ut.body.data.url)
    expect(mineRes.status).toBe(200)
    const mine = events(await mineRes.text())
    expect(mine.every((e) => e.SUMMARY?.startsWith('On call: '))).toBe(true)
    // Earlier tests' schedules have alice too: the feed spans every schedule.
    expect(mine.some((e) => e.SUMMARY === 'On call: dst / primary')).toBe(true)
    const fromIcs = mine.filter((e) => /^On call: ics(-2)? \//.test(e.SUMMARY ?? ''))
    expect(fromIcs.slice(0, 3).map((e) => [e.DTSTART, e.DTEND, e.SUMMARY])).toEqual([
      ['20260326T000000Z', '20260402T000000Z', 'On call: ics-2 / Rotation-1'],
      ['20260327T080000Z', '20260328T080000Z', 'On call: ics / primary'],
      ['20260329T070000Z', '20260330T070000Z', 'On call: ics / primary'],
    ])
    expect(mine.some((e) => e.SUMMARY?.includes(BOB))).toBe(false)
    expect((await feed(`/v2/schedules/on-calls/${ids[ALICE]}.ics?token=${ut.body.data.token}`)).status).toBe(
      200,
    )
    expect((await feed(`/v2/schedules/on-calls/${BOB}.ics?token=${ut.body.data.token}`)).status).toBe(401)
  })
})
