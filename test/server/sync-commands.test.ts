import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../core/time/clock'
import { client } from '../support/http'
import { startTestServer, type TestServer } from '../support/server'
import { storeKinds } from '../support/stores'
import { connect, type Doc, hasDoc, type SyncClient } from './sync-support'

type Json = Record<string, any>
const kinds = await storeKinds()

describe.each(kinds)('sync alert commands on $name', ({ name }) => {
  const clock = new ManualClock(Date.UTC(2026, 2, 25, 12, 0, 0))
  let srv: TestServer
  let key: ReturnType<typeof client>
  let owner: ReturnType<typeof client>
  let c: SyncClient

  const alert = async (alias: string) => {
    const r = await key<Json>('POST', '/v2/alerts', { message: `m ${alias}`, alias })
    expect(r.status).toBe(202)
    const got = await key<Json>('GET', `/v2/alerts/${alias}?identifierType=alias`)
    return got.body.data.id as string
  }
  const command = (id: string, alertId: string, action: string, params: Json = {}): Doc => ({
    id,
    _deleted: false,
    alertId,
    action,
    params,
    createdAt: clock.now(),
    status: 'pending',
  })

  beforeAll(async () => {
    srv = await startTestServer({ kind: name, clock })
    key = client(srv.url, `GenieKey ${srv.apiKey}`)
    owner = client(srv.url, `Bearer ${srv.ownerToken}`)
    c = await connect(srv.url, srv.ownerToken)
  })
  afterAll(async () => {
    c?.close()
    await srv?.close()
  })

  it('applies an acknowledge sent twice exactly once, and streams the command and the alert', async () => {
    const alertId = await alert('ack-once')
    const cmd = command(`ack-${name}`, alertId, 'acknowledge')
    // Twice at once and once more after: the id makes it one action.
    const [a, b] = await Promise.all([
      c.push('alertCommands', [{ newDocumentState: cmd }]),
      c.push('alertCommands', [{ newDocumentState: cmd }]),
    ])
    expect(a.ok && b.ok).toBe(true)
    const applied = await c.waitStream(
      hasDoc('alertCommands', (d) => d.id === cmd.id && d.status === 'applied'),
    )
    expect(applied.collection).toBe('alertCommands')
    await c.waitStream(hasDoc('alerts', (d) => d.id === alertId && d.acknowledged === true))
    const retry = await c.push('alertCommands', [{ newDocumentState: cmd }])
    if (!retry.ok) throw new Error(retry.error.message)
    expect(retry.value.rejected).toEqual([])
    expect(retry.value.conflicts).toEqual([expect.objectContaining({ id: cmd.id, status: 'applied' })])

    const logs = await owner<Json>('GET', `/v2/alerts/${alertId}/logs`)
    expect(logs.body.data.filter((l: Json) => /acknowledged by/.test(l.log))).toHaveLength(1)
    const alertNow = await owner<Json>('GET', `/v2/alerts/${alertId}`)
    expect(alertNow.body.data).toMatchObject({
      acknowledged: true,
      report: { acknowledgedBy: 'owner@vigil.test' },
    })
  })

  it('answers a command that cannot apply with status rejected and the reason', async () => {
    const alertId = await alert('bad-commands')
    await c.push('alertCommands', [
      { newDocumentState: command(`nope-${name}`, 'no-such-alert', 'close') },
      { newDocumentState: command(`nonote-${name}`, alertId, 'note') },
    ])
    const missing = await c.waitStream(
      hasDoc('alertCommands', (d) => d.id === `nope-${name}` && d.status === 'rejected'),
    )
    expect('documents' in missing && missing.documents.find((d) => d.id === `nope-${name}`)?.reason).toBe(
      'Alert does not exist',
    )
    const all = await c.pullAll('alertCommands')
    expect(all.docs.get(`nonote-${name}`)).toMatchObject({
      status: 'rejected',
      reason: 'params.note: required',
    })
  })

  it('adds a note and closes through commands, in order', async () => {
    const alertId = await alert('note-close')
    const r = await c.push('alertCommands', [
      { newDocumentState: command(`note-${name}`, alertId, 'note', { note: 'looking into it' }) },
      { newDocumentState: command(`close-${name}`, alertId, 'close') },
    ])
    expect(r).toEqual({ ok: true, value: { conflicts: [], rejected: [] } })
    await c.waitStream(hasDoc('alerts', (d) => d.id === alertId && d.status === 'closed'))
    const notes = await owner<Json>('GET', `/v2/alerts/${alertId}/notes`)
    expect(notes.body.data.map((n: Json) => n.note)).toEqual(['looking into it'])
  })
})
