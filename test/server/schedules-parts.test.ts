/** A schedule's parts as sub-resources: overrides by alias and rotations by id. */
import { describe, expect, it } from 'vitest'
import { storeKinds } from '../support/stores'
import { ALICE, BOB, CAROL, type Json, useSchedulesServer } from './schedules-support'

const kinds = await storeKinds()

describe.each(kinds)('Opsgenie Schedule API on $name', ({ name }) => {
  const { ids, key, berlin, create, onCall } = useSchedulesServer(name)

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
})
