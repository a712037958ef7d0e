/** Shared set-up of the Opsgenie schedule suites: three users, a Berlin schedule body and the calls they repeat. */
import { afterAll, beforeAll, expect } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'

export type Json = Record<string, any>
export type Client = ReturnType<typeof client>

export const ALICE = 'alice@vigil.test'
export const BOB = 'bob@vigil.test'
export const CAROL = 'carol@vigil.test'
export const PASSWORD = 'a long enough password 1'

/** Where every suite's clock starts: two days before the Berlin schedule's first handoff. */
export const START = Date.UTC(2026, 2, 25, 12, 0, 0)

/** Creates ALICE, BOB and CAROL through the admin API and records their ids in `ids` by username. */
export async function createUsers(owner: Client, ids: Record<string, string>): Promise<void> {
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
}

/** The VEVENTs of an iCal text: unfolded properties per event. */
export function events(ics: string): Array<Record<string, string>> {
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

/**
 * The schedule calls a suite repeats. `key` is read at each call because the suite's client exists only
 * once its beforeAll has run; `ids` is filled by createUsers then too.
 */
export function scheduleCalls(key: () => Client, ids: Record<string, string>) {
  /** A daily ALICE/BOB rotation handing off at 09:00 Berlin time from 2026-03-27, owned by Default. */
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

  /** Creates a schedule, expecting 201, and returns its data. */
  async function create(body: Json, as: Client = key()): Promise<Json> {
    const r = await as<Json>('POST', '/v2/schedules', body)
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body.data
  }

  /** The schedule's on-call answer at `iso`. */
  const onCall = async (id: string, iso: string, flat = false) =>
    (await key()<Json>('GET', `/v2/schedules/${id}/on-calls?date=${encodeURIComponent(iso)}&flat=${flat}`))
      .body.data

  return { berlin, create, onCall }
}

/** A client that resolves `get()` at each call: the real one is made only in the suite's beforeAll. */
function lateClient(get: () => Client): Client {
  return <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    get()<T>(method, path, body)
}

/**
 * Runs a server on `kind` for the calling describe, its clock at START and ALICE, BOB and CAROL created,
 * and closes it afterwards. `srv` is a getter because the server exists only once beforeAll has run.
 */
export function useSchedulesServer(kind: 'sqlite' | 'postgres') {
  const clock = new ManualClock(START)
  const ids: Record<string, string> = {}
  let srv: TestServer
  let owner: Client
  let key: Client

  beforeAll(async () => {
    srv = await startTestServer({ kind, clock })
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
    await createUsers(owner, ids)
  })
  afterAll(async () => srv?.close())

  const keyClient = lateClient(() => key)
  return {
    clock,
    ids,
    get srv(): TestServer {
      return srv
    },
    owner: lateClient(() => owner),
    key: keyClient,
    ...scheduleCalls(() => keyClient, ids),
  }
}
