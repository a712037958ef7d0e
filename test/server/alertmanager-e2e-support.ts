/** Shared reads of the Alertmanager end-to-end suites: what Vigil made of the notifications, and what was sent. */
import { afterAll, beforeAll, expect } from 'vitest'
import {
  type Alertmanager,
  type AlertmanagerOptions,
  eventually,
  startAlertmanager,
} from '../support/alertmanager'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'

export type Json = Record<string, any>
type Client = ReturnType<typeof client>

/**
 * The reads the suites repeat, through the suite's server, client and Alertmanager (each read at every call:
 * they exist only once the suite's beforeAll has run).
 */
export function alertmanagerReads(srv: () => TestServer, api: () => Client, am: () => Alertmanager) {
  /** The one Vigil alert (open or closed) whose text mentions `word`; fails if there are several. */
  async function onlyAlertMentioning(word: string): Promise<Json | undefined> {
    const r = await api()<Json>('GET', `/v2/alerts?query=${encodeURIComponent(word)}&limit=100`)
    expect(r.status).toBe(200)
    expect(r.body.data.length, JSON.stringify(r.body.data)).toBeLessThanOrEqual(1)
    return r.body.data[0]
  }

  /** The alert by id, expecting it to exist. */
  async function full(id: string): Promise<Json> {
    const r = await api()<Json>('GET', `/v2/alerts/${id}`)
    expect(r.status).toBe(200)
    return r.body.data
  }

  /** Polls the full alert until `ok` holds; on timeout says what the alert looked like. */
  async function alertWhen(id: string, what: string, ok: (a: Json) => boolean): Promise<Json> {
    let last: Json | undefined
    return eventually(
      what,
      async () => {
        last = await full(id)
        return ok(last) ? last : undefined
      },
      { describe: () => `alert: ${JSON.stringify(last)}\nalertmanager:\n${am().output()}` },
    )
  }

  /** The alert's log entries (up to 100). */
  async function logs(id: string): Promise<Json[]> {
    const r = await api()<Json>('GET', `/v2/alerts/${id}/logs?limit=100`)
    expect(r.status).toBe(200)
    return r.body.data
  }

  /** The Opsgenie API requests Vigil recorded for an alias, in arrival order (request ids are UUIDv7). */
  async function requestsFor(alias: string) {
    return srv()
      .ctx.store.db.selectFrom('alert_requests')
      .select(['request_id', 'action', 'status', 'success', 'integration_id'])
      .where('alias', '=', alias)
      .orderBy('request_id')
      .execute()
  }

  /** Alertmanager logs a warning for every notification that did not get a 2xx. */
  function expectNoFailedNotifications(since: number) {
    const out = am().output().slice(since)
    expect(out, `alertmanager output:\n${out}`).not.toMatch(/notify|level=error/i)
  }

  return { onlyAlertMentioning, full, alertWhen, logs, requestsFor, expectNoFailedNotifications }
}

/**
 * Runs a Vigil on `kind` and one Alertmanager (grouping by alertname) with the receivers and routes `config`
 * makes for that Vigil, for the calling describe, and stops both afterwards. `am` and `api` are getters
 * because they exist only once beforeAll has run.
 */
export function useAlertmanagerVigil(
  kind: 'sqlite' | 'postgres',
  config: (srv: TestServer) => Pick<AlertmanagerOptions, 'receivers' | 'routes'>,
) {
  let srv: TestServer
  let am: Alertmanager
  let api: Client

  beforeAll(async () => {
    srv = await startTestServer({ kind })
    api = client(srv.url, `GenieKey ${srv.apiKey}`)
    am = await startAlertmanager({ groupBy: ['alertname'], ...config(srv) })
  })
  afterAll(async () => {
    await am?.stop()
    await srv?.close()
  })

  return {
    get am(): Alertmanager {
      return am
    },
    get api(): Client {
      return api
    },
    ...alertmanagerReads(
      () => srv,
      () => api,
      () => am,
    ),
  }
}
