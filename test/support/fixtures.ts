import { expect } from 'vitest'
import { client } from './http'
import { login, type TestServer } from './server'

type Json = Record<string, any>
type Client = ReturnType<typeof client>

const PASSWORD = 'a long enough password 1'

/** Accounts, teams and keys made through the real admin API of a test server, as the owner. */
export function fixtures(srv: TestServer) {
  const owner = client(srv.url, `Bearer ${srv.ownerToken}`)
  return {
    owner,
    /** A new API integration of the team; flags use Opsgenie's names (allowWriteAccess, …). */
    async integrationKey(teamId: string, flags: Json = {}): Promise<Client> {
      const r = await owner<Json>('POST', '/api/v1/integrations', {
        name: `k-${Math.random()}`,
        type: 'API',
        teamId,
        ...flags,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return client(srv.url, `GenieKey ${r.body.data.apiKey}`)
    },
    /** A new team; returns its id. */
    async team(teamName: string): Promise<string> {
      const r = await owner<Json>('POST', '/api/v1/teams', { name: teamName })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      return r.body.data.id
    },
    /** A new user, optionally in a team, logged in: a client bound to their session, carrying their id. */
    async user(
      username: string,
      role: string,
      teamId?: string,
      teamRole = 'user',
    ): Promise<Client & { id: string }> {
      const r = await owner<Json>('POST', '/api/v1/users', {
        username,
        fullName: username,
        role,
        password: PASSWORD,
      })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
      if (teamId) {
        const m = await owner('POST', `/api/v1/teams/${teamId}/members`, {
          user: { username },
          role: teamRole,
        })
        expect(m.status).toBe(201)
      }
      const session = client(srv.url, `Bearer ${await login(srv.url, username, PASSWORD)}`)
      return Object.assign(session, { id: r.body.data.id as string })
    },
  }
}
