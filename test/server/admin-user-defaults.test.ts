import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('users made through the admin API on $name', ({ name }) => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
  })
  afterAll(async () => srv?.close())

  it('get the same default contact and notification rules as users made through /v2/users', async () => {
    const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    const viaAdmin = await owner<Json>('POST', '/api/v1/users', {
      username: 'admin.made@example.test',
      fullName: 'Admin Made',
      role: 'user',
      password: 'a long enough password 1',
    })
    expect(viaAdmin.status).toBe(201)
    const viaV2 = await owner<Json>('POST', '/v2/users', {
      username: 'v2.made@example.test',
      fullName: 'V2 Made',
      role: { name: 'User' },
    })
    expect(viaV2.status).toBe(201)
    const shape = async (username: string) => {
      const contacts = await owner<Json>('GET', `/v2/users/${username}/contacts`)
      const rules = await owner<Json>('GET', `/v2/users/${username}/notification-rules`)
      const mine = (s: string) => s.replace(username, '<me>')
      return {
        contacts: (contacts.body.data as Json[]).map((c) => [c.method, mine(c.to), c.status.enabled]),
        rules: (rules.body.data as Json[]).map((r) => ({
          name: r.name,
          actionType: r.actionType,
          criteria: r.criteria,
          steps: r.steps.map((s: Json) => [s.contact.method, mine(s.contact.to), s.sendAfter.timeAmount]),
          order: r.order,
        })),
      }
    }
    const a = await shape('admin.made@example.test')
    expect(a).toEqual(await shape('v2.made@example.test'))
    expect(a.contacts).toEqual([['email', '<me>', true]])
    expect(a.rules.map((r) => r.steps)).toEqual([
      [
        ['desktop', '<me>', 0],
        ['email', '<me>', 1],
      ],
      [['desktop', '<me>', 0]],
    ])
  })
})
