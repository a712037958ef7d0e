/** The schedule resource itself: CRUD, errors, who may change what, and the audit trail. */
import { describe, expect, it } from 'vitest'
import { fixtures } from '../support/fixtures'
import { storeKinds } from '../support/stores'
import { ALICE, BOB, CAROL, type Json, useSchedulesServer } from './schedules-support'

const kinds = await storeKinds()
type Fx = ReturnType<typeof fixtures>

describe.each(kinds)('Opsgenie Schedule API on $name', ({ name }) => {
  const env = useSchedulesServer(name)
  const { ids, owner, key, berlin, create } = env

  const integrationKey: Fx['integrationKey'] = (...a) => fixtures(env.srv).integrationKey(...a)
  const team: Fx['team'] = (...a) => fixtures(env.srv).team(...a)
  const user: Fx['user'] = (...a) => fixtures(env.srv).user(...a)

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
      ownerTeam: { id: env.srv.teamId, name: 'Default' },
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
    const row = await env.srv.ctx.store.db
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

  it('requires configuration access to change, keeps keys to their team, and gives sessions their roles', async () => {
    await create(berlin('acl'))
    const plain = await integrationKey(env.srv.teamId)
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
    const rows = await env.srv.ctx.store.db
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
})
