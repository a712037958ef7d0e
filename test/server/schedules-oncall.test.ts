/**
 * Who is on call when: on-call answers across the DST change, next-on-calls, the timeline and the .ics
 * feeds. One file because the personal feed is checked to span the other tests' schedules.
 */
import { describe, expect, it } from 'vitest'
import { client } from '../support/http'
import { login } from '../support/server'
import { storeKinds } from '../support/stores'
import { ALICE, BOB, events, type Json, PASSWORD, useSchedulesServer } from './schedules-support'

const kinds = await storeKinds()

describe.each(kinds)('Opsgenie Schedule API on $name', ({ name }) => {
  const env = useSchedulesServer(name)
  const { clock, ids, owner, key, berlin, create, onCall } = env

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

  it('serves .ics feeds behind revocable tokens', async () => {
    const s = await create(berlin('ics'))
    const feed = (path: string) => fetch(env.srv.url + path)
    expect((await feed(`/v2/schedules/${s.id}.ics`)).status).toBe(401)
    const tok = await owner<Json>('POST', `/v2/schedules/${s.id}/calendar-token`)
    expect(tok.status).toBe(201)
    const token = tok.body.data.token as string
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const stored = await env.srv.ctx.store.db
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
    const alice = client(env.srv.url, `Bearer ${await login(env.srv.url, ALICE, PASSWORD)}`)
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
