import { describe, expect, it } from 'vitest'
import { mapAlertmanagerWebhook } from '../../core/integrations/alertmanager'
import type { InboundCommand, MapResult } from '../../core/integrations/commands'
import { codePointLength, detailsSize } from '../../core/integrations/text'
import type { CreateAlertPayload } from '../../core/model/alert'

// What Alertmanager 0.25 posts for a group where two alerts fire and one has just resolved: Go's field order,
// zero endsAt on firing alerts, 16-hex fingerprints, a Prometheus generatorURL, truncatedAlerts but neither
// notification_reason (0.32+) nor routeLabels (0.34+).
const am025Group = {
  receiver: 'ops-webhook',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'NodeFilesystemAlmostOutOfSpace',
        device: '/dev/nvme0n1p1',
        fstype: 'ext4',
        instance: 'db-1.prod.internal:9100',
        job: 'node',
        mountpoint: '/var/lib/postgresql',
        severity: 'critical',
      },
      annotations: {
        description:
          'Filesystem on /dev/nvme0n1p1 at db-1.prod.internal:9100 has only 3.12% available space left.',
        runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemalmostoutofspace',
        summary: 'Filesystem has less than 5% space left.',
      },
      startsAt: '2023-03-14T10:22:31.123Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus-0:9090/graph?g0.expr=%28node_filesystem_avail_bytes%29+%3C+5&g0.tab=1',
      fingerprint: '4f6a1c3b2d9e8f70',
    },
    {
      status: 'firing',
      labels: {
        alertname: 'NodeFilesystemAlmostOutOfSpace',
        device: '/dev/nvme1n1',
        instance: 'db-2.prod.internal:9100',
        job: 'node',
        mountpoint: '/data',
        severity: 'warning',
      },
      annotations: {
        summary: '🔥 Plattenplatz fast erschöpft auf db-2 — nur noch 4 % frei (ﾃﾞｨｽｸ残量わずか)',
      },
      startsAt: '2023-03-14T10:24:01.5Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus-1:9090/graph?g0.expr=x&g0.tab=1',
      fingerprint: '0b1d3e5f7a9c2e4d',
    },
    {
      status: 'resolved',
      labels: {
        alertname: 'NodeFilesystemAlmostOutOfSpace',
        instance: 'web-3:9100',
        job: 'node',
        priority: 'P2',
      },
      annotations: { summary: 'Filesystem has less than 5% space left.' },
      startsAt: '2023-03-14T09:58:31.123Z',
      endsAt: '2023-03-14T10:27:31.123Z',
      generatorURL: 'http://prometheus-0:9090/graph?g0.expr=x&g0.tab=1',
      fingerprint: 'e1c2a3b4d5f60718',
    },
  ],
  groupLabels: { alertname: 'NodeFilesystemAlmostOutOfSpace' },
  commonLabels: { alertname: 'NodeFilesystemAlmostOutOfSpace', job: 'node' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager-0.monitoring.svc:9093',
  version: '4',
  groupKey: '{}/{severity=~"warning|critical"}:{alertname="NodeFilesystemAlmostOutOfSpace"}',
  truncatedAlerts: 0,
}

function commands(r: MapResult): InboundCommand[] {
  if (!r.ok) throw new Error(`expected success, got ${r.status} ${r.message}`)
  return r.commands
}

function create(c: InboundCommand | undefined): CreateAlertPayload {
  if (c?.kind !== 'create') throw new Error(`expected a create, got ${c?.kind}`)
  return c.payload
}

describe('mapAlertmanagerWebhook', () => {
  it('maps a mixed 0.25 group to one command per alert, in order', () => {
    const cmds = commands(mapAlertmanagerWebhook(am025Group))
    expect(cmds.map((c) => c.kind)).toEqual(['create', 'create', 'close'])
    expect(cmds[2]).toEqual({
      kind: 'close',
      alias: 'e1c2a3b4d5f60718',
      source: 'http://alertmanager-0.monitoring.svc:9093',
    })
  })

  it('builds the create payload from summary, description, labels and annotations', () => {
    const p = create(commands(mapAlertmanagerWebhook(am025Group))[0])
    expect(p.message).toBe('Filesystem has less than 5% space left.')
    expect(p.alias).toBe('4f6a1c3b2d9e8f70')
    expect(p.priority).toBe('P1')
    expect(p.entity).toBe('db-1.prod.internal:9100')
    expect(p.source).toBe('http://alertmanager-0.monitoring.svc:9093')
    expect(p.description).toBe(
      'Filesystem on /dev/nvme0n1p1 at db-1.prod.internal:9100 has only 3.12% available space left.\n\n' +
        'Source: http://prometheus-0:9090/graph?g0.expr=%28node_filesystem_avail_bytes%29+%3C+5&g0.tab=1',
    )
    expect(p.tags).toEqual([
      'alertname:NodeFilesystemAlmostOutOfSpace',
      'severity:critical',
      'instance:db-1.prod.internal:9100',
      'job:node',
      'device:/dev/nvme0n1p1',
      'fstype:ext4',
      'mountpoint:/var/lib/postgresql',
    ])
    expect(p.details).toMatchObject({
      alertname: 'NodeFilesystemAlmostOutOfSpace',
      mountpoint: '/var/lib/postgresql',
      'annotation.summary': 'Filesystem has less than 5% space left.',
      'annotation.runbook_url':
        'https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemalmostoutofspace',
      startsAt: '2023-03-14T10:22:31.123Z',
    })
  })

  it('keeps unicode summaries intact and maps warning to P3', () => {
    const p = create(commands(mapAlertmanagerWebhook(am025Group))[1])
    expect(p.message).toBe('🔥 Plattenplatz fast erschöpft auf db-2 — nur noch 4 % frei (ﾃﾞｨｽｸ残量わずか)')
    expect(p.priority).toBe('P3')
    expect(p.description).toBe('Source: http://prometheus-1:9090/graph?g0.expr=x&g0.tab=1')
  })

  it('cuts long unicode summaries to 130 code points ending with an ellipsis', () => {
    const summary = `🚨 ${'Ünïcödé '.repeat(30)}`
    const [first, ...rest] = am025Group.alerts
    const body = { ...am025Group, alerts: [{ ...first, annotations: { summary } }, ...rest] }
    const p = create(commands(mapAlertmanagerWebhook(body))[0])
    expect(codePointLength(p.message)).toBe(130)
    expect(p.message.endsWith('…')).toBe(true)
    expect(p.message.startsWith('🚨 Ünïcödé')).toBe(true)
  })

  it('falls back to message/title annotations, then alertname and instance', () => {
    const base = { status: 'firing', startsAt: '', fingerprint: 'aa' }
    const body = {
      version: '4',
      alerts: [
        { ...base, labels: { alertname: 'A', instance: 'i-1' }, annotations: { message: 'from\nmessage' } },
        { ...base, labels: { alertname: 'A', instance: 'i-1' }, annotations: { title: 'from title' } },
        { ...base, labels: { alertname: 'A', instance: 'i-1' }, annotations: { summary: '  ' } },
        { ...base, labels: { alertname: 'OnlyName' }, annotations: {} },
        { ...base, labels: {}, annotations: null },
      ],
    }
    const msgs = commands(mapAlertmanagerWebhook(body)).map((c) => create(c).message)
    expect(msgs).toEqual(['from message', 'from title', 'A (i-1)', 'OnlyName', 'Alert aa'])
  })

  it('prefixes aliases per integration, for creates and closes alike', () => {
    const cmds = commands(mapAlertmanagerWebhook(am025Group, { aliasPrefix: 'team-a/' }))
    expect(create(cmds[0]).alias).toBe('team-a/4f6a1c3b2d9e8f70')
    expect(cmds[2]).toMatchObject({ kind: 'close', alias: 'team-a/e1c2a3b4d5f60718' })
  })

  it('reads the priority label before severity, in both P and digit forms', () => {
    const body = {
      version: '4',
      alerts: [
        { status: 'firing', labels: { priority: '2', severity: 'info' }, fingerprint: 'a' },
        { status: 'firing', labels: { severity: 'page' }, fingerprint: 'b' },
        { status: 'firing', labels: { severity: 'none' }, fingerprint: 'c' },
      ],
    }
    const ps = commands(mapAlertmanagerWebhook(body)).map((c) => create(c).priority)
    expect(ps).toEqual(['P2', undefined, 'P5'])
  })

  it('uses the generator host as source when there is no external URL, none for relative URLs', () => {
    const body = {
      version: '4',
      alerts: [
        { status: 'firing', labels: {}, fingerprint: 'a', generatorURL: 'http://prom.example:9090/graph?x' },
        { status: 'firing', labels: {}, fingerprint: 'b', generatorURL: '/graph?g0.expr=up' },
      ],
    }
    const [a, b] = commands(mapAlertmanagerWebhook(body)).map(create)
    expect(a?.source).toBe('prom.example:9090')
    expect(b?.source).toBeUndefined()
  })

  it('accepts 0.32+ and 0.34+ fields', () => {
    const body = {
      ...am025Group,
      notification_reason: 'new_alerts',
      routeLabels: { team: 'db' },
      truncatedAlerts: 3,
    }
    expect(commands(mapAlertmanagerWebhook(body))).toHaveLength(3)
  })

  it('keeps a huge label set within the tag and details limits', () => {
    const labels: Record<string, string> = { alertname: 'KubePodCrashLooping', severity: 'warning' }
    for (let i = 0; i < 120; i++)
      labels[`label_${String(i).padStart(3, '0')}`] = `value-${i}-${'x'.repeat(90)}`
    labels.instance = '10.0.3.17:8080'
    labels.job = 'kube-state-metrics'
    const body = {
      version: '4',
      alerts: [{ status: 'firing', labels, annotations: {}, fingerprint: 'f00d' }],
    }
    const p = create(commands(mapAlertmanagerWebhook(body))[0])
    expect(p.tags).toHaveLength(20)
    expect(p.tags?.slice(0, 4)).toEqual([
      'alertname:KubePodCrashLooping',
      'severity:warning',
      'instance:10.0.3.17:8080',
      'job:kube-state-metrics',
    ])
    expect(p.tags?.every((t) => codePointLength(t) <= 50)).toBe(true)
    expect(p.tags?.[4]).toBe(`label_000:value-0-${'x'.repeat(31)}…`)
    const details = p.details as Record<string, string>
    expect(detailsSize(details)).toBeLessThanOrEqual(8000)
    // The preferred labels come first, so they are never the ones dropped.
    expect(details.alertname).toBe('KubePodCrashLooping')
    expect(details.job).toBe('kube-state-metrics')
    expect(details.label_119).toBeUndefined()
  })

  it('closes resolved alerts even when the group status is resolved and labels are sparse', () => {
    const body = {
      ...am025Group,
      status: 'resolved',
      alerts: am025Group.alerts.map((a) => ({ ...a, status: 'resolved' })),
    }
    const cmds = commands(mapAlertmanagerWebhook(body))
    expect(cmds.every((c) => c.kind === 'close')).toBe(true)
    expect(cmds.map((c) => (c.kind === 'close' ? c.alias : ''))).toEqual([
      '4f6a1c3b2d9e8f70',
      '0b1d3e5f7a9c2e4d',
      'e1c2a3b4d5f60718',
    ])
  })

  it('maps an empty group to no commands', () => {
    expect(commands(mapAlertmanagerWebhook({ version: '4', alerts: [] }))).toEqual([])
  })
})

describe('mapAlertmanagerWebhook errors', () => {
  function fail(body: unknown) {
    const r = mapAlertmanagerWebhook(body)
    if (r.ok) throw new Error('expected a failure')
    return r
  }

  it('names every bad field with its path', () => {
    const [a, b, c] = am025Group.alerts
    const { fingerprint: _, ...noFingerprint } = c ?? {}
    const body = {
      ...am025Group,
      alerts: [{ ...a, status: 'pending' }, { ...b, labels: { severity: 3 } }, noFingerprint],
    }
    const r = fail(body)
    expect(r.status).toBe(422)
    expect(r.errors).toEqual({
      'alerts[0].status': 'must be "firing" or "resolved"',
      'alerts[1].labels': 'must be an object of strings or null',
      'alerts[2].fingerprint': 'required',
    })
    expect(r.message).toBe(
      'Invalid Alertmanager webhook payload: alerts[0].status: must be "firing" or "resolved" (and 2 more)',
    )
  })

  it('rejects other versions with a clear message', () => {
    const r = fail({ ...am025Group, version: '3' })
    expect(r.status).toBe(422)
    expect(r.message).toBe('Unsupported Alertmanager webhook version "3"; Vigil accepts version "4"')
    expect(r.errors).toEqual({ version: 'must be "4"' })
    expect(fail({ ...am025Group, version: 4 }).message).toBe(
      'Unsupported Alertmanager webhook version 4; Vigil accepts version "4"',
    )
  })

  it('requires version and alerts', () => {
    const r = fail({ receiver: 'x' })
    expect(r.errors).toEqual({ version: 'required', alerts: 'required' })
  })

  it('rejects an empty fingerprint and a non-array alerts field', () => {
    expect(
      fail({ version: '4', alerts: [{ status: 'firing', labels: {}, fingerprint: '' }] }).errors,
    ).toEqual({
      'alerts[0].fingerprint': 'must not be empty',
    })
    expect(fail({ version: '4', alerts: {} }).errors).toEqual({ alerts: 'must be an array' })
  })

  it('answers 400 for a body that is not an object', () => {
    for (const body of [null, [], 'text', 42]) expect(fail(body).status).toBe(400)
  })
})
