/*
 * The real Prometheus Alertmanager (0.25) notifying a real Vigil over loopback, once per store, through its
 * webhook_configs receiver posting to /integrations/alertmanager with the key as its Authorization.
 */
import { describe, expect, it } from 'vitest'
import { alertmanagerAvailability, eventually, firing, resolved } from '../support/alertmanager'
import { storeKinds } from '../support/stores'
import { type Json, useAlertmanagerVigil } from './alertmanager-e2e-support'

const availability = alertmanagerAvailability()
if (!availability.ok) console.warn(`alertmanager.e2e: skipped: ${availability.reason}`)

const kinds = await storeKinds()

/** The webhook_configs receiver under test, with its own alertname and so its own group. */
const WEBHOOK = { name: 'wh', alertname: 'VigilWebhookDisk' } as const

describe.skipIf(!availability.ok).each(kinds)('Prometheus Alertmanager → Vigil on $name', ({ name }) => {
  const env = useAlertmanagerVigil(name, (srv) => ({
    receivers: [
      {
        name: WEBHOOK.name,
        webhook_configs: [
          {
            url: `${srv.url}/integrations/alertmanager`,
            http_config: { authorization: { type: 'GenieKey', credentials: srv.apiKey } },
            send_resolved: true,
          },
        ],
      },
    ],
    routes: [{ receiver: WEBHOOK.name, matchers: [`vigil_test="${WEBHOOK.name}"`] }],
  }))
  const { alertWhen, logs, expectNoFailedNotifications } = env

  it('webhook_configs: one Vigil alert per Alertmanager alert, closed one by one', async () => {
    const outputStart = env.am.output().length
    const started = Date.now()
    const labels = { alertname: WEBHOOK.alertname, vigil_test: WEBHOOK.name, mountpoint: '/var' }
    const generatorURL = 'http://prometheus.test:9090/graph?g0.expr=disk_free'
    const w1 = firing(
      { ...labels, instance: 'db-1', severity: 'critical' },
      {
        summary: 'Disk /var on db-1 is 97% full',
        description: 'Only 3% left.',
        runbook_url: 'https://runbooks.example/disk',
      },
      generatorURL,
    )
    const w2 = firing(
      { ...labels, instance: 'db-2', severity: 'warning' },
      { summary: 'Disk /var on db-2 is 85% full' },
    )
    await env.am.push([w1, w2])

    // The aliases are Alertmanager's own fingerprints.
    const amAlerts = await env.am.alerts([`alertname="${WEBHOOK.alertname}"`])
    const fp = (instance: string) => amAlerts.find((x) => x.labels.instance === instance)?.fingerprint ?? ''
    const [fp1, fp2] = [fp('db-1'), fp('db-2')]
    expect(fp1).toMatch(/^[0-9a-f]{16}$/)
    expect(fp2).toMatch(/^[0-9a-f]{16}$/)

    const byAlias = async (alias: string) => {
      const r = await env.api<Json>('GET', `/v2/alerts/${alias}?identifierType=alias`)
      return r.status === 200 ? (r.body.data as Json) : undefined
    }
    const d1 = await eventually('the db-1 alert', () => byAlias(fp1), {
      describe: () => `alertmanager:\n${env.am.output()}`,
    })
    const d2 = await eventually('the db-2 alert', () => byAlias(fp2), {
      describe: () => `alertmanager:\n${env.am.output()}`,
    })
    const firstSeenMs = Date.now() - started
    expect(d1).toMatchObject({
      alias: fp1,
      status: 'open',
      message: 'Disk /var on db-1 is 97% full',
      priority: 'P1',
      tags: [
        `alertname:${WEBHOOK.alertname}`,
        'severity:critical',
        'instance:db-1',
        'mountpoint:/var',
        'vigil_test:wh',
      ],
      source: env.am.url,
      entity: 'db-1',
      description: `Only 3% left.\n\nSource: ${generatorURL}`,
    })
    expect(d1.details).toMatchObject({
      alertname: WEBHOOK.alertname,
      instance: 'db-1',
      severity: 'critical',
      'annotation.summary': 'Disk /var on db-1 is 97% full',
      'annotation.description': 'Only 3% left.',
      'annotation.runbook_url': 'https://runbooks.example/disk',
      generatorURL,
    })
    expect(d1.details.startsAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(d2).toMatchObject({
      alias: fp2,
      status: 'open',
      message: 'Disk /var on db-2 is 85% full',
      priority: 'P3',
      tags: [
        `alertname:${WEBHOOK.alertname}`,
        'severity:warning',
        'instance:db-2',
        'mountpoint:/var',
        'vigil_test:wh',
      ],
      source: env.am.url,
    })
    const groupQuery = `tag:"alertname:${WEBHOOK.alertname}"`
    const count = await env.api<Json>('GET', `/v2/alerts/count?query=${encodeURIComponent(groupQuery)}`)
    expect(count.body.data.count).toBe(2)
    expect((await logs(d1.id)).find((l) => l.type === 'create')?.log).toBe(`Alert created via ${env.am.url}`)

    // Resolving db-2 alone: the notification lists db-1 firing (a dedup) and db-2 resolved (a close).
    await env.am.push([resolved(w2)])
    await alertWhen(d2.id, 'db-2 to close', (x) => x.status === 'closed')
    // The same notification listed db-1 as still firing: a dedup, not a close.
    const stillOpen = await alertWhen(d1.id, 'db-1 to be deduplicated', (x) => x.count >= 2)
    expect(stillOpen.status).toBe('open')
    const closeLog = (await logs(d2.id)).find((l) => l.type === 'close')
    expect(closeLog?.log).toBe(`Alert closed by ${d1.integration.name} via ${env.am.url}`)

    // And the last one.
    await env.am.push([resolved(w1)])
    await alertWhen(d1.id, 'db-1 to close', (x) => x.status === 'closed')
    const open = await env.api<Json>(
      'GET',
      `/v2/alerts/count?query=${encodeURIComponent(`${groupQuery} AND status:open`)}`,
    )
    expect(open.body.data.count).toBe(0)
    expectNoFailedNotifications(outputStart)
    console.info(
      `alertmanager.e2e ${name} webhook: first seen after ${firstSeenMs} ms, done after ${Date.now() - started} ms`,
    )
  }, 45_000)
})
