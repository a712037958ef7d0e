/*
 * The real Prometheus Alertmanager (0.25) notifying a real Vigil over loopback, once per store, through its
 * native opsgenie_configs receiver: create, dedup with update_alerts PUTs, close by alias; base URL with and
 * without a path prefix; the README's minimal config; an update_alerts description that renders empty.
 * One Alertmanager per store serves every case; each case has its own alertname and route, so its own group.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  alertmanagerAvailability,
  eventually,
  firing,
  type ReceiverConfig,
  resolved,
} from '../support/alertmanager'
import { storeKinds } from '../support/stores'
import { type Json, useAlertmanagerVigil } from './alertmanager-e2e-support'

const availability = alertmanagerAvailability()
if (!availability.ok) console.warn(`alertmanager.e2e: skipped: ${availability.reason}`)

const kinds = await storeKinds()

/** Alertmanager's Opsgenie alias: lower-case hex SHA-256 of the dispatcher's group key. */
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** One opsgenie_configs receiver under test: where its api_url points and whether it uses every option. */
const OPSGENIE_CASES = [
  { name: 'og-root', alertname: 'VigilOgRoot', prefix: '/', full: true },
  { name: 'og-prefix', alertname: 'VigilOgPrefix', prefix: '/opsgenie/', full: true },
  { name: 'og-readme', alertname: 'VigilOgReadme', prefix: '/', full: false },
] as const
type OpsgenieCase = (typeof OPSGENIE_CASES)[number]

/** update_alerts with a description template that renders empty: Alertmanager then PUTs `{}` as the description. */
const EMPTY_DESCRIPTION = { name: 'og-empty-desc', alertname: 'VigilOgEmptyDesc' } as const

function opsgenieReceiver(c: OpsgenieCase, vigilUrl: string, apiKey: string): ReceiverConfig {
  // The README's config: nothing but api_url and api_key (send_resolved defaults to true).
  const base = { api_url: `${vigilUrl}${c.prefix}`, api_key: apiKey }
  if (!c.full) return { name: c.name, opsgenie_configs: [base] }
  return {
    name: c.name,
    opsgenie_configs: [
      {
        ...base,
        send_resolved: true,
        update_alerts: true,
        priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}',
        // Alertmanager splits on commas without trimming the pieces: this sends " severity:critical".
        tags: 'alertmanager,{{ .CommonLabels.alertname }}, severity:{{ .CommonLabels.severity }}',
        // Configured keys win over the common labels Alertmanager also puts into details.
        details: {
          runbook: 'https://runbooks.example/{{ .CommonLabels.alertname }}',
          severity: 'sev-{{ .CommonLabels.severity }}',
        },
        entity: '{{ .CommonLabels.alertname }}',
        actions: 'restart, page-db',
      },
    ],
  }
}

describe.skipIf(!availability.ok).each(kinds)('Prometheus Alertmanager → Vigil on $name', ({ name }) => {
  const env = useAlertmanagerVigil(name, (srv) => ({
    receivers: [
      ...OPSGENIE_CASES.map((c) => opsgenieReceiver(c, srv.url, srv.apiKey)),
      {
        name: EMPTY_DESCRIPTION.name,
        opsgenie_configs: [
          {
            api_url: `${srv.url}/`,
            api_key: srv.apiKey,
            update_alerts: true,
            description: '{{ .CommonAnnotations.description }}',
          },
        ],
      },
    ],
    routes: [...OPSGENIE_CASES, EMPTY_DESCRIPTION].map((c) => ({
      receiver: c.name,
      matchers: [`vigil_test="${c.name}"`],
    })),
  }))
  const { onlyAlertMentioning, full, alertWhen, logs, requestsFor, expectNoFailedNotifications } = env

  it.each(OPSGENIE_CASES)(
    'opsgenie_configs $name (api_url …$prefix): create, dedup on group change, close on resolve',
    async (c) => {
      const outputStart = env.am.output().length
      const started = Date.now()
      const labels = { alertname: c.alertname, vigil_test: c.name, severity: 'critical' }
      const a = firing({ ...labels, instance: 'web-1' }, { summary: 'CPU above 90% on web-1' })
      const b = firing({ ...labels, instance: 'web-2' }, { summary: 'CPU above 90% on web-2' })
      const source = `${env.am.url}/#/alerts?receiver=${c.name}`
      const alias = sha256(`{}/{vigil_test="${c.name}"}:{alertname="${c.alertname}"}`)

      // 1. First alert of the group: Alertmanager's create (and, with update_alerts, its two PUTs).
      await env.am.push([a])
      const listed = await eventually(
        `the ${c.name} alert in GET /v2/alerts?query=alias:…`,
        async () => {
          const r = await env.api<Json>('GET', `/v2/alerts?query=${encodeURIComponent(`alias:${alias}`)}`)
          expect(r.status).toBe(200)
          return r.body.data[0] as Json | undefined
        },
        { describe: () => `alertmanager:\n${env.am.output()}` },
      )
      const firstSeenMs = Date.now() - started
      expect(listed.alias).toMatch(/^[0-9a-f]{64}$/)
      expect(listed.alias).toBe(alias)
      const id: string = listed.id
      // With update_alerts the PUTs follow the create; wait until they are in so the checks below are stable.
      if (c.full) {
        await eventually('the update_alerts PUTs', async () =>
          (await requestsFor(alias)).length >= 3 ? true : undefined,
        )
      }
      const created = await full(id)
      expect(created).toMatchObject({
        alias,
        status: 'open',
        count: 1,
        message: `[FIRING:1] ${c.alertname} (web-1 critical ${c.name})`,
        source,
        priority: c.full ? 'P1' : 'P3',
        integration: { type: expect.any(String) },
      })
      expect(created.description).toMatch(/^CPU above 90% on web-1\nAlerts Firing:\n/)
      expect(created.description).toContain(' - instance = web-1')
      if (c.full) {
        expect(created.tags).toEqual(['alertmanager', c.alertname, 'severity:critical'])
        expect(created.details).toEqual({
          alertname: c.alertname,
          instance: 'web-1',
          severity: 'sev-critical',
          vigil_test: c.name,
          runbook: `https://runbooks.example/${c.alertname}`,
        })
        expect(created.entity).toBe(c.alertname)
        expect(created.actions).toEqual(['restart', 'page-db'])
      } else {
        expect(created.tags).toEqual([])
        expect(created.details).toEqual({
          alertname: c.alertname,
          instance: 'web-1',
          severity: 'critical',
          vigil_test: c.name,
        })
      }

      // 2. A second alert joins the group: Alertmanager re-sends the create with the same alias.
      await env.am.push([b])
      const deduped = await alertWhen(id, 'the re-send after the group changed', (x) =>
        // With update_alerts, the create is followed by PUT message then PUT description: wait for the last.
        c.full ? x.count >= 2 && x.description.includes(' - instance = web-2') : x.count >= 2,
      )
      expect(deduped.alias).toBe(alias)
      // The create deduplicates (message and details kept); only update_alerts' PUT changes the message.
      expect(deduped.message).toBe(
        c.full
          ? `[FIRING:2] ${c.alertname} (critical ${c.name})`
          : `[FIRING:1] ${c.alertname} (web-1 critical ${c.name})`,
      )
      if (c.full) expect(deduped.description).toContain(' - instance = web-2')
      expect(deduped.details.instance).toBe('web-1')
      const again = (await logs(id)).find((l) => l.type === 'deduplicate')
      expect(again?.log).toContain(`[FIRING:2] ${c.alertname} (critical ${c.name})`)
      expect((await onlyAlertMentioning(c.alertname))?.id).toBe(id)

      // 3. Every alert of the group resolved: Alertmanager closes by alias.
      await env.am.push([resolved(a), resolved(b)])
      const closed = await alertWhen(id, 'the close after both alerts resolved', (x) => x.status === 'closed')
      expect(closed.alias).toBe(alias)
      expect(closed.report.closedBy).toBe(created.integration.name)
      const entries = await logs(id)
      expect(entries.find((l) => l.type === 'create')?.log).toBe(`Alert created via ${source}`)
      expect(entries.find((l) => l.type === 'close')?.log).toBe(
        `Alert closed by ${created.integration.name} via ${source}`,
      )
      // Still one Vigil alert for the whole life of the group.
      expect((await onlyAlertMentioning(c.alertname))?.id).toBe(id)

      // What Alertmanager sent, as Vigil recorded it: create (+ PUT message, PUT description) per notification,
      // then one close; every request succeeded and belongs to the key's integration.
      const requests = await requestsFor(alias)
      const actions = requests.map((r) => r.action)
      const perNotification = c.full ? ['Create', 'UpdateMessage', 'UpdateDescription'] : ['Create']
      expect(actions.at(-1)).toBe('Close')
      const sends = actions.slice(0, -1)
      expect(sends.length % perNotification.length, actions.join(',')).toBe(0)
      expect(sends.length / perNotification.length).toBeGreaterThanOrEqual(2)
      for (let i = 0; i < sends.length; i++)
        expect(sends[i]).toBe(perNotification[i % perNotification.length])
      expect(requests.every((r) => r.success === 1)).toBe(true)
      expect(requests.map((r) => r.status)).toContain('Alert deduplicated')
      expect(requests[0]?.status).toBe('Created alert')
      const closeRequest = requests.at(-1)
      const status = await env.api<Json>('GET', `/v2/alerts/requests/${closeRequest?.request_id}`)
      expect(status.status).toBe(200)
      expect(status.body.data).toMatchObject({
        success: true,
        action: 'Close',
        status: 'Closed',
        alertId: id,
        alias,
        integrationId: created.integration.id,
      })
      expectNoFailedNotifications(outputStart)
      console.info(
        `alertmanager.e2e ${name} ${c.name}: first seen after ${firstSeenMs} ms, closed after ${Date.now() - started} ms`,
      )
    },
    45_000,
  )

  // Alertmanager leaves empty values out (omitempty) and sends `{}`; a 4xx would be a permanent failure for it,
  // so the notification would never count as sent and the create + PUTs would repeat every group_interval.
  it('update_alerts with an empty description (PUT …/description {}) is accepted and not re-sent', async () => {
    const outputStart = env.am.output().length
    const alert = firing(
      { alertname: EMPTY_DESCRIPTION.alertname, vigil_test: EMPTY_DESCRIPTION.name, instance: 'web-1' },
      { summary: 'no description annotation' },
    )
    await env.am.push([alert])
    try {
      const listed = await eventually('the alert', async () => {
        const r = await env.api<Json>(
          'GET',
          `/v2/alerts?query=${encodeURIComponent(EMPTY_DESCRIPTION.alertname)}`,
        )
        return r.body.data?.[0] as Json | undefined
      })
      // Two more group_interval ticks: a notification that succeeded is not sent again (repeat_interval is 1 h).
      await new Promise((r) => setTimeout(r, 2500))
      expect((await full(listed.id)).count).toBe(1)
      expectNoFailedNotifications(outputStart)
    } finally {
      await env.am.push([resolved(alert)])
    }
  }, 30_000)
})
