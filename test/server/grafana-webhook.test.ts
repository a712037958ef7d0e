/** Grafana's webhook contact point on /integrations/grafana: one alert per fingerprint, and its key. */
import { describe, expect, it } from 'vitest'
import { storeKinds } from '../support/stores'
import { GRAFANA, goMap, grafanaGroupKey, grafanaPost, type Json, useGrafanaServer } from './grafana-support'

const kinds = await storeKinds()

/** One alert of Grafana's webhook payload (templates.ExtendedAlert), fields in struct order. */
function extendedAlert(opts: {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  fingerprint: string
  ruleUid: string
  values: Record<string, number> | null
  startsAt: string
  endsAt?: string
}): Json {
  const matchers = Object.entries(goMap(opts.labels))
    .map(([k, v]) => `matcher=${encodeURIComponent(`${k}=${v}`)}`)
    .join('&')
  const values = opts.values === null ? null : goMap(opts.values)
  return {
    status: opts.status,
    labels: goMap(opts.labels),
    annotations: goMap(opts.annotations),
    startsAt: opts.startsAt,
    endsAt: opts.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: `${GRAFANA}/alerting/grafana/${opts.ruleUid}/view?orgId=1`,
    fingerprint: opts.fingerprint,
    silenceURL: `${GRAFANA}/alerting/silence/new?alertmanager=grafana&${matchers}&orgId=1`,
    dashboardURL: `${GRAFANA}/d/disk-dash?orgId=1`,
    panelURL: `${GRAFANA}/d/disk-dash?orgId=1&viewPanel=4`,
    values,
    valueString: values
      ? Object.entries(values)
          .map(([ref, v]) => `[ var='${ref}' labels={instance=${opts.labels.instance}} value=${v} ]`)
          .join(', ')
      : '',
    orgId: 1,
  }
}

describe.each(kinds)('Grafana contact points → Vigil on $name', ({ name }) => {
  const env = useGrafanaServer(name)
  const { byAlias, byId, logs } = env

  it('webhook contact point: one alert per fingerprint, partial resolve closes only that one', async () => {
    const url = `${env.srv.url}/integrations/grafana`
    const startsAt = new Date(Date.now() - 120_000).toISOString()
    const common = { alertname: 'DiskAlmostFull', grafana_folder: 'Storage', team: 'storage' }
    const groupKey = grafanaGroupKey('Vigil webhook', 'DiskAlmostFull', 'Storage')
    const a1 = (status: 'firing' | 'resolved', endsAt?: string) =>
      extendedAlert({
        status,
        labels: { ...common, instance: 'db-1', severity: 'critical' },
        annotations: { summary: 'Disk on db-1 is 97% full', description: 'Grow the volume or clean up.' },
        fingerprint: 'a1b2c3d4e5f60718',
        ruleUid: 'disk-rule',
        values: { A: 97.3, B: 1 },
        startsAt,
        endsAt,
      })
    const a2 = (status: 'firing' | 'resolved', endsAt?: string) =>
      extendedAlert({
        status,
        labels: { ...common, instance: 'db-2', og_priority: 'P2', severity: 'warning' },
        annotations: { summary: 'Disk on db-2 is 88% full' },
        fingerprint: '0f1e2d3c4b5a6978',
        ruleUid: 'disk-rule',
        values: null,
        startsAt,
        endsAt,
      })
    const payload = (status: 'firing' | 'resolved', alerts: Json[]) => ({
      receiver: 'Vigil webhook',
      status,
      alerts,
      groupLabels: { alertname: 'DiskAlmostFull', grafana_folder: 'Storage' },
      commonLabels: goMap(common),
      commonAnnotations: {},
      externalURL: `${GRAFANA}/`,
      version: '1',
      groupKey,
      truncatedAlerts: 0,
      orgId: 1,
      title: `[${status.toUpperCase()}${status === 'firing' ? `:${alerts.filter((x) => x.status === 'firing').length}` : ''}] DiskAlmostFull Storage (storage)`,
      state: status === 'firing' ? 'alerting' : 'ok',
      message: '**Firing**\n\n…',
    })

    const fired = await grafanaPost(url, payload('firing', [a1('firing'), a2('firing')]), env.genieKey)
    expect(fired.status, JSON.stringify(fired.body)).toBe(202)
    expect(fired.body.data).toEqual([
      expect.objectContaining({ action: 'Create', status: 'Created alert', alias: 'a1b2c3d4e5f60718' }),
      expect.objectContaining({ action: 'Create', status: 'Created alert', alias: '0f1e2d3c4b5a6978' }),
    ])
    const d1 = await byAlias('a1b2c3d4e5f60718')
    expect(d1).toMatchObject({
      message: 'Disk on db-1 is 97% full',
      priority: 'P1',
      status: 'open',
      source: `${GRAFANA}/`,
      entity: 'db-1',
      tags: [
        'alertname:DiskAlmostFull',
        'severity:critical',
        'instance:db-1',
        'grafana_folder:Storage',
        'team:storage',
      ],
    })
    expect(d1.description).toContain('Grow the volume or clean up.')
    expect(d1.description).toContain(`Dashboard: ${GRAFANA}/d/disk-dash?orgId=1`)
    expect(d1.description).toContain(`Panel: ${GRAFANA}/d/disk-dash?orgId=1&viewPanel=4`)
    expect(d1.details).toMatchObject({
      alertname: 'DiskAlmostFull',
      'annotation.summary': 'Disk on db-1 is 97% full',
      dashboardURL: `${GRAFANA}/d/disk-dash?orgId=1`,
      silenceURL: expect.stringContaining('matcher=instance%3Ddb-1'),
      'value.A': '97.3',
      'value.B': '1',
    })
    const d2 = await byAlias('0f1e2d3c4b5a6978')
    // og_priority, which Grafana's own Opsgenie notifier reads, wins over the severity word.
    expect(d2).toMatchObject({ message: 'Disk on db-2 is 88% full', priority: 'P2', status: 'open' })
    expect(Object.keys(d2.details).filter((k) => k.startsWith('value.'))).toEqual([])

    // db-1 recovers, db-2 still fires: Grafana sends the group with db-1 resolved.
    const endsAt = new Date().toISOString()
    const partial = await grafanaPost(
      url,
      payload('firing', [a1('resolved', endsAt), a2('firing')]),
      env.genieKey,
    )
    expect(partial.status, JSON.stringify(partial.body)).toBe(202)
    expect(partial.body.data).toEqual([
      expect.objectContaining({ action: 'Close', status: 'Closed', alias: 'a1b2c3d4e5f60718' }),
      expect.objectContaining({ action: 'Create', status: 'Alert deduplicated', alias: '0f1e2d3c4b5a6978' }),
    ])
    expect((await byId(d1.id)).status).toBe('closed')
    expect(await byId(d2.id)).toMatchObject({ status: 'open', count: 2 })
    expect((await logs(d1.id)).find((l) => l.type === 'close')?.log).toMatch(new RegExp(` via ${GRAFANA}/$`))

    // Then everything resolves.
    const all = await grafanaPost(
      url,
      payload('resolved', [a1('resolved', endsAt), a2('resolved', endsAt)]),
      env.genieKey,
    )
    expect(all.status, JSON.stringify(all.body)).toBe(202)
    expect((await byId(d2.id)).status).toBe('closed')
    const open = await env.api<Json>(
      'GET',
      `/v2/alerts/count?query=${encodeURIComponent('tag:"team:storage" AND status:open')}`,
    )
    expect(open.body.data.count).toBe(0)
  })

  it('webhook contact point: the key goes in Authorization as "GenieKey <key>"; anything else is refused', async () => {
    const body = {
      receiver: 'Vigil webhook',
      status: 'firing',
      alerts: [
        extendedAlert({
          status: 'firing',
          labels: { alertname: 'AuthCheck', instance: 'x' },
          annotations: {},
          fingerprint: 'ffff000011112222',
          ruleUid: 'auth-rule',
          values: null,
          startsAt: new Date().toISOString(),
        }),
      ],
      version: '1',
      state: 'alerting',
    }
    const url = `${env.srv.url}/integrations/grafana`
    expect((await grafanaPost(url, body, 'GenieKey wrong-key')).status).toBe(401)
    expect(
      (await grafanaPost(url, body, `Basic ${Buffer.from(`x:${env.srv.apiKey}`).toString('base64')}`)).status,
    ).toBe(401)
    expect((await env.api<Json>('GET', '/v2/alerts/ffff000011112222?identifierType=alias')).status).toBe(404)
  })
})
