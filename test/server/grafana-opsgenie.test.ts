/** Grafana's Opsgenie v1 contact point: create, dedup and close by alias, with its settings and URL forms. */
import { describe, expect, it } from 'vitest'
import { storeKinds } from '../support/stores'
import {
  expectAccepted,
  GRAFANA,
  goMap,
  grafanaOpsgenieAlias,
  grafanaOpsgenieGroup,
  grafanaPost,
  type Json,
  useGrafanaServer,
} from './grafana-support'

const kinds = await storeKinds()

/** Grafana's default title: [STATUS:N] group label values (other common label values). */
function defaultTitle(n: number, group: string[], others: string[]): string {
  return `[FIRING:${n}] ${group.join(' ')} (${others.join(' ')})`
}

/** The create body of the v1 Opsgenie notifier, fields in its struct order. */
function opsgenieCreate(opts: {
  alias: string
  message: string
  description: string
  labels: Record<string, string>
  sendTagsAs?: 'tags' | 'details' | 'both'
  imageUrls?: string[]
  responders?: Array<Record<string, string>>
}): Json {
  const sendTagsAs = opts.sendTagsAs ?? 'tags'
  const details: Record<string, string> = { url: `${GRAFANA}/alerting/list` }
  if (sendTagsAs !== 'tags') {
    Object.assign(details, opts.labels)
    if (opts.imageUrls?.length) details.image_urls = opts.imageUrls.join(', ')
  }
  const tags = sendTagsAs === 'details' ? [] : Object.entries(opts.labels).map(([k, v]) => `${k}:${v}`)
  tags.sort()
  const og = opts.labels.og_priority
  const body: Json = {
    alias: opts.alias,
    message: opts.message,
    description: opts.description,
    details: goMap(details),
    source: 'Grafana',
  }
  if (opts.responders?.length) body.responders = opts.responders
  body.tags = tags
  if (og && /^P[1-5]$/.test(og)) body.priority = og
  return body
}

describe.each(kinds)('Grafana contact points → Vigil on $name', ({ name }) => {
  const env = useGrafanaServer(name)
  const { byAlias, byId, requestStatus, logs } = env

  it('Opsgenie v1 (default settings): create, repeat deduplicates, resolve closes by alias', async () => {
    const apiUrl = `${env.srv.url}/v2/alerts`
    const { alias, labels } = grafanaOpsgenieGroup('Vigil', 'HighCPU', 'Infra', {
      instance: 'web-1',
      og_priority: 'P2',
      severity: 'critical',
    })
    const message = defaultTitle(1, ['HighCPU', 'Infra'], ['web-1', 'P2', 'critical'])
    const description = [
      message,
      `${GRAFANA}/alerting/list`,
      '',
      '**Firing**\n\nValue: A=97.3, B=1\nLabels:\n - alertname = HighCPU\n - grafana_folder = Infra\n - instance = web-1\n' +
        ' - og_priority = P2\n - severity = critical\nAnnotations:\n - summary = CPU above 90% on web-1\n' +
        `Source: ${GRAFANA}/alerting/grafana/cpu-rule/view?orgId=1\n` +
        `Silence: ${GRAFANA}/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighCPU&orgId=1\n`,
    ].join('\n')
    const body = opsgenieCreate({ alias, message, description, labels })

    const created = await grafanaPost(apiUrl, body, env.genieKey)
    expectAccepted(created)
    expect(await requestStatus(created.body.requestId)).toMatchObject({
      success: true,
      action: 'Create',
      status: 'Created alert',
      alias,
    })
    const alert = await byAlias(alias)
    expect(alert).toMatchObject({
      alias,
      message,
      description,
      status: 'open',
      count: 1,
      priority: 'P2',
      source: 'Grafana',
      tags: [
        'alertname:HighCPU',
        'grafana_folder:Infra',
        'instance:web-1',
        'og_priority:P2',
        'severity:critical',
      ],
      details: { url: `${GRAFANA}/alerting/list` },
    })
    expect((await logs(alert.id)).find((l) => l.type === 'create')?.log).toBe('Alert created via Grafana')

    // Grafana re-sends the same create on every repeat_interval (and its HA peers may too): a dedup.
    const repeated = await grafanaPost(
      apiUrl,
      { ...body, message: defaultTitle(1, ['HighCPU', 'Infra'], ['x']) },
      env.genieKey,
    )
    expectAccepted(repeated)
    expect(await requestStatus(repeated.body.requestId)).toMatchObject({
      action: 'Create',
      status: 'Alert deduplicated',
      alertId: alert.id,
    })
    const again = await byId(alert.id)
    expect(again).toMatchObject({ count: 2, message, description, priority: 'P2' })

    // Resolved: the close URL is the configured apiUrl + /<alias>/close.
    const closeUrl = `${apiUrl}/${alias}/close?identifierType=alias`
    const closed = await grafanaPost(closeUrl, { source: 'Grafana' }, env.genieKey)
    expectAccepted(closed)
    expect(await requestStatus(closed.body.requestId)).toMatchObject({
      success: true,
      action: 'Close',
      status: 'Closed',
      alertId: alert.id,
      alias,
    })
    const after = await byId(alert.id)
    expect(after.status).toBe('closed')
    expect((await logs(alert.id)).find((l) => l.type === 'close')?.log).toMatch(/ via Grafana$/)

    // A second resolved notification (an HA peer, a re-evaluation) finds nothing open: still 2xx for Grafana.
    const twice = await grafanaPost(closeUrl, { source: 'Grafana' }, env.genieKey)
    expectAccepted(twice)
    expect(await requestStatus(twice.body.requestId)).toMatchObject({ action: 'Close', success: false })
    // The next firing of the same group opens a new alert under the same alias.
    const refired = await grafanaPost(apiUrl, body, env.genieKey)
    expectAccepted(refired)
    const next = await byAlias(alias)
    expect(next.id).not.toBe(alert.id)
    expect(next.count).toBe(1)
    expectAccepted(await grafanaPost(closeUrl, { source: 'Grafana' }, env.genieKey))
  })

  it('Opsgenie v1 with sendTagsAs=details: empty tags, labels as details, a bad og_priority sent as nothing', async () => {
    const apiUrl = `${env.srv.url}/v2/alerts`
    const { alias, labels } = grafanaOpsgenieGroup('Vigil details', 'DiskFull', 'Storage', {
      og_priority: 'urgent',
      team: 'storage',
    })
    // Grafana cuts the message to 130 runes, the last being '…'; astral characters count once.
    const message = `${'💾'.repeat(20)}${'d'.repeat(109)}…`
    expect([...message]).toHaveLength(130)
    const body = opsgenieCreate({
      alias,
      message,
      description: 'Custom description for {{ .CommonLabels.team }} rendered: storage',
      labels,
      sendTagsAs: 'details',
      imageUrls: [`${GRAFANA}/public/img/attachments/a.png`, `${GRAFANA}/public/img/attachments/b.png`],
    })
    expect(body.tags).toEqual([])
    expect(body.priority).toBeUndefined()

    const created = await grafanaPost(apiUrl, body, env.genieKey)
    expectAccepted(created)
    const alert = await byAlias(alias)
    expect(alert).toMatchObject({
      message,
      tags: [],
      priority: 'P3',
      source: 'Grafana',
      details: {
        url: `${GRAFANA}/alerting/list`,
        alertname: 'DiskFull',
        grafana_folder: 'Storage',
        og_priority: 'urgent',
        team: 'storage',
        image_urls: `${GRAFANA}/public/img/attachments/a.png, ${GRAFANA}/public/img/attachments/b.png`,
      },
    })
    expectAccepted(
      await grafanaPost(`${apiUrl}/${alias}/close?identifierType=alias`, { source: 'Grafana' }, env.genieKey),
    )
    expect((await byId(alert.id)).status).toBe('closed')
  })

  it('Opsgenie v1 behind a path prefix, with responders: apiUrl <vigil>/opsgenie/v2/alerts', async () => {
    const apiUrl = `${env.srv.url}/opsgenie/v2/alerts`
    const { alias, labels } = grafanaOpsgenieGroup('Vigil prefixed', 'QueueBacklog', 'Apps', {
      og_priority: 'P1',
    })
    const message = defaultTitle(1, ['QueueBacklog', 'Apps'], ['P1'])
    const body = opsgenieCreate({
      alias,
      message,
      description: 'Backlog above 10k',
      labels,
      sendTagsAs: 'both',
      responders: [{ name: 'Default', type: 'team' }],
    })
    const created = await grafanaPost(apiUrl, body, env.genieKey)
    expectAccepted(created)
    const alert = await byAlias(alias)
    expect(alert).toMatchObject({
      message,
      priority: 'P1',
      tags: ['alertname:QueueBacklog', 'grafana_folder:Apps', 'og_priority:P1'],
      details: {
        url: `${GRAFANA}/alerting/list`,
        alertname: 'QueueBacklog',
        grafana_folder: 'Apps',
        og_priority: 'P1',
      },
      responders: [expect.objectContaining({ type: 'team', name: 'Default' })],
      ownerTeamId: env.srv.teamId,
    })
    const closed = await grafanaPost(
      `${apiUrl}/${alias}/close?identifierType=alias`,
      { source: 'Grafana' },
      env.genieKey,
    )
    expectAccepted(closed)
    expect(await requestStatus(closed.body.requestId)).toMatchObject({
      action: 'Close',
      status: 'Closed',
      alias,
    })
    expect((await byId(alert.id)).status).toBe('closed')
  })

  it('Opsgenie v1 with a wrong key: 401 and nothing stored', async () => {
    const alias = grafanaOpsgenieAlias('Vigil', 'WrongKey', 'Infra')
    const body = opsgenieCreate({ alias, message: 'x', description: 'y', labels: { alertname: 'WrongKey' } })
    const r = await grafanaPost(`${env.srv.url}/v2/alerts`, body, 'GenieKey not-a-vigil-key')
    expect(r.status).toBe(401)
    const got = await env.api<Json>('GET', `/v2/alerts/${alias}?identifierType=alias`)
    expect(got.status).toBe(404)
  })

  // A gateway may mount Vigil under a prefix that itself starts with one of Vigil's roots (/api/…).
  it('accepts apiUrl <vigil>/api/opsgenie/v2/alerts (a prefix that starts with /api/)', async () => {
    const alias = grafanaOpsgenieAlias('Vigil gateway', 'GatewayPrefix', 'Infra')
    const body = opsgenieCreate({
      alias,
      message: 'via gateway',
      description: 'd',
      labels: { alertname: 'GatewayPrefix' },
    })
    expectAccepted(await grafanaPost(`${env.srv.url}/api/opsgenie/v2/alerts`, body, env.genieKey))
  })
})
