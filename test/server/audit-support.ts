/** Shared set-up of the audit-log suites: calls to the API and reads of the entries a change produced. */
import { afterAll, beforeAll, expect } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { api, login, startTestServer, type TestServer } from '../support/server'

/** A reply body of the audit and admin APIs. */
export type Body = {
  data?: any
  message?: string
  errors?: Record<string, string>
  paging?: { next?: string }
}
/** An audit entry as GET /api/v1/audit lists it. */
export type Entry = {
  id: number
  at: string
  actor: { kind: string; id: string; name: string }
  action: string
  entity: { type: string; id: string; name: string }
  before: Record<string, any> | null
  after: Record<string, any> | null
  requestId: string | null
}
export const PASSWORD = 'audit password that is long'
export const NEW_PASSWORD = 'another audit password, longer'

/**
 * The calls the suites repeat. `server` and `owner` (the owner's Authorization header) are read at each
 * call because they exist only once the suite's beforeAll has run.
 */
export function auditCalls(server: () => TestServer, owner: () => string) {
  const call = (method: string, path: string, auth?: string, body?: unknown) =>
    api<Body>(server().url, method, path, auth, body)
  const rows = () => server().ctx.store.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
  const lastId = async () => Number((await rows()).at(-1)?.id ?? 0)
  /** The API's entries newer than `after`, oldest first (the API itself lists newest first). */
  async function entriesSince(after: number, query = ''): Promise<Entry[]> {
    const res = await call('GET', `/api/v1/audit?limit=100${query}`, owner())
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return (res.body.data as Entry[]).filter((e) => e.id > after).reverse()
  }
  /** Runs a change and returns the one entry it produced, failing if it produced none or several. */
  async function onlyEntry(
    change: () => Promise<{ status: number; headers: Headers }>,
    status = 200,
    entityType?: string,
  ) {
    const mark = await lastId()
    const res = await change()
    expect(res.status).toBe(status)
    const entries = (await entriesSince(mark)).filter((e) => !entityType || e.entity.type === entityType)
    expect(entries, JSON.stringify(entries)).toHaveLength(1)
    const entry = entries[0] as Entry
    expect(entry.requestId).toBe(res.headers.get('x-request-id'))
    return entry
  }
  /** A user made by the owner, with a session of their own. */
  async function createUser(username: string, role: string) {
    const res = await call('POST', '/api/v1/users', owner(), {
      username,
      fullName: username,
      role,
      password: PASSWORD,
    })
    expect(res.status).toBe(201)
    return {
      id: res.body.data.id as string,
      auth: `Bearer ${await login(server().url, username, PASSWORD)}`,
    }
  }
  return { call, rows, lastId, entriesSince, onlyEntry, createUser }
}

/**
 * Runs a server on `kind` for the calling describe, on a clock at 2026-03-01, and closes it afterwards.
 * `s`, `owner` (the owner's Authorization header) and `ownerId` are getters because they exist only once
 * beforeAll has run.
 */
export function useAuditServer(kind: 'sqlite' | 'postgres') {
  const clock = new ManualClock(Date.UTC(2026, 2, 1))
  let s: TestServer
  let owner: string
  let ownerId: string
  const calls = auditCalls(
    () => s,
    () => owner,
  )

  beforeAll(async () => {
    s = await startTestServer({ kind, clock })
    owner = `Bearer ${s.ownerToken}`
    ownerId = (await calls.call('GET', '/api/v1/auth/me', owner)).body.data.user.id
  })
  afterAll(async () => s?.close())

  return {
    clock,
    get s(): TestServer {
      return s
    },
    get owner(): string {
      return owner
    },
    get ownerId(): string {
      return ownerId
    },
    ...calls,
  }
}
