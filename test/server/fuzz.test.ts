import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http'
import { startTestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

/** Every alert endpoint, with a path that names an alert by each identifier style. */
const ENDPOINTS: Array<[string, string]> = [
  ['POST', '/v2/alerts'],
  ['GET', '/v2/alerts'],
  ['GET', '/v2/alerts/count'],
  ['GET', '/v2/alerts/requests/{id}'],
  ['GET', '/v2/alerts/{id}'],
  ['DELETE', '/v2/alerts/{id}'],
  ['POST', '/v2/alerts/{id}/acknowledge'],
  ['POST', '/v2/alerts/{id}/unacknowledge'],
  ['POST', '/v2/alerts/{id}/close'],
  ['POST', '/v2/alerts/{id}/snooze'],
  ['POST', '/v2/alerts/{id}/escalate'],
  ['POST', '/v2/alerts/{id}/assign'],
  ['POST', '/v2/alerts/{id}/responders'],
  ['POST', '/v2/alerts/{id}/teams'],
  ['POST', '/v2/alerts/{id}/tags'],
  ['DELETE', '/v2/alerts/{id}/tags'],
  ['POST', '/v2/alerts/{id}/details'],
  ['DELETE', '/v2/alerts/{id}/details'],
  ['POST', '/v2/alerts/{id}/notes'],
  ['GET', '/v2/alerts/{id}/notes'],
  ['GET', '/v2/alerts/{id}/logs'],
  ['PUT', '/v2/alerts/{id}/message'],
  ['PUT', '/v2/alerts/{id}/description'],
  ['PUT', '/v2/alerts/{id}/priority'],
  ['POST', '/integrations/alertmanager'],
  ['POST', '/integrations/grafana'],
]

const VALID = {
  message: 'm',
  alias: 'fuzz',
  tags: ['a'],
  details: { k: 'v' },
  priority: 'P2',
  responders: [{ type: 'team', name: 'Default' }],
  endTime: '2030-01-01T00:00:00Z',
  owner: { username: 'x' },
  escalation: { name: 'e' },
  responder: { type: 'user', username: 'u' },
  team: { name: 'Default' },
  note: 'n',
  description: 'd',
}

/** A valid-looking body with one field replaced by arbitrary JSON: the mutations that hurt parsers. */
const mutated = fc
  .tuple(fc.constantFrom(...Object.keys(VALID)), fc.jsonValue({ maxDepth: 3 }))
  .map(([k, v]) => JSON.stringify({ ...VALID, [k]: v }))

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  mutated,
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constant(''),
)

const identifier = fc.oneof(
  fc.constant('fuzz'),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.uuid(),
  fc.nat().map(String),
)
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom(
        'identifierType',
        'query',
        'limit',
        'offset',
        'sort',
        'order',
        'tags',
        'keys',
        'direction',
        'user',
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('alias', 'tiny', 'id', '-1', '1e9', 'asc', 'status:open'),
      ),
    )
    .map((q) => `?${new URLSearchParams(q).toString()}`),
)

describe.each(kinds)('fuzzing the alert API on $name', ({ name }) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
  })
  afterAll(async () => srv?.close())

  it('never answers 5xx and always answers JSON, whatever the body, path or query', async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        identifier,
        query,
        body,
        async ([method, path], id, q, raw) => {
          const url = path.replace('{id}', encodeURIComponent(id)) + q
          const r = await call(srv.url, method, url, {
            auth: `GenieKey ${srv.apiKey}`,
            raw: method === 'GET' ? undefined : raw,
          })
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
          expect(r.status, `${method} ${url} ${raw.slice(0, 200)} -> ${JSON.stringify(r.body)}`).toBeLessThan(
            500,
          )
          expect(r.body, `${method} ${url}`).toBeTypeOf('object')
          expect((r.body as { __text?: string }).__text).toBeUndefined()
        },
      ),
      { numRuns: 2500 },
    )
    // The run must have exercised both the accepting and the rejecting paths.
    expect(statuses.get(202) ?? 0).toBeGreaterThan(50)
    expect([...statuses.keys()].some((s) => s === 400 || s === 422)).toBe(true)
  }, 300_000)
})
