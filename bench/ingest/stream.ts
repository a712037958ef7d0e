/**
 * The alert stream every ingest target receives: deterministic (seeded), so runs on different days and
 * different targets see byte-identical traffic apart from the wire format each API demands.
 */

/** One alert occurrence, independent of the API it is sent to. */
export interface AlertEvent {
  alias: string
  alertname: string
  instance: string
  service: string
  severity: 'critical' | 'high' | 'warning' | 'info'
  priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'
  source: string
  summary: string
  description: string
  tags: string[]
  details: Record<string, string>
  startsAt: string
  generatorURL: string
}

/** How the stream is shaped. */
export interface StreamOptions {
  /** Number of request bodies; they cycle, so alias i occurs bodies/aliases times per cycle. */
  bodies: number
  /** Distinct aliases; body i carries alias i % aliases, which is what makes the targets deduplicate. */
  aliases: number
  seed: number
  /** ISO timestamp used as startsAt; fixed so the stream does not depend on when it was generated. */
  startsAt: string
}

/** Opsgenie create bodies are kept inside this size window (bytes of UTF-8 JSON). */
export const OPSGENIE_BODY_MIN = 400
export const OPSGENIE_BODY_MAX = 600

/** Default stream: 10,000 bodies over 5,000 aliases. */
export const DEFAULT_STREAM: StreamOptions = {
  bodies: 10_000,
  aliases: 5_000,
  seed: 20_240_601,
  startsAt: '2024-06-01T12:00:00.000Z',
}

const ALERTNAMES = [
  'HighLatency',
  'HighErrorRate',
  'DiskSpaceLow',
  'MemoryPressure',
  'CPUThrottling',
  'PodCrashLooping',
  'CertificateExpiring',
  'QueueBacklog',
  'ReplicationLag',
  'TargetDown',
]
const SERVICES = ['checkout', 'payments', 'search', 'catalog', 'auth', 'ledger', 'notifier', 'gateway']
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1']
const TEAMS = ['platform', 'storefront', 'billing', 'identity']
const SOURCES = ['prometheus', 'grafana', 'datadog', 'cloudwatch']
const SEVERITIES: Array<[AlertEvent['severity'], AlertEvent['priority']]> = [
  ['critical', 'P1'],
  ['high', 'P2'],
  ['warning', 'P3'],
  ['warning', 'P4'],
  ['info', 'P5'],
]
// Free-text sentences appended to descriptions (0–2 per event) so body sizes vary like real traffic.
const FILLERS = [
  'Check the dashboard and compare with the previous deploy.',
  'Follow the runbook before escalating to the owning team.',
  'Page the team lead if this persists for fifteen minutes.',
  'Recent config changes are the usual cause.',
]

/** mulberry32: tiny, fast and good enough to vary field values reproducibly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T
}

/** The i-th event of the stream; identity fields depend only on the alias index, values on the rng. */
export function makeEvent(i: number, opts: StreamOptions, rnd: () => number): AlertEvent {
  const a = i % opts.aliases
  // Identity (alias, name, instance, severity) is a function of the alias index alone, so every
  // repetition of an alias describes the same alert, as a real monitoring system would send it.
  const alertname = pick(ALERTNAMES, a)
  const service = pick(SERVICES, Math.floor(a / ALERTNAMES.length))
  const region = pick(REGIONS, a >> 3)
  const team = pick(TEAMS, a >> 5)
  const [severity, priority] = pick(SEVERITIES, a >> 2)
  const instance = `${service}-${String(a).padStart(4, '0')}:9100`
  const alias = `${alertname}/${instance}`
  const value = (50 + rnd() * 950).toFixed(1)
  const threshold = String(100 * (1 + (a % 5)))
  const summary = `${alertname} on ${instance}: ${value} above ${threshold}`
  const extra = Array.from({ length: Math.floor(rnd() * 3) }, () =>
    pick(FILLERS, Math.floor(rnd() * 4)),
  ).join(' ')
  return {
    alias,
    alertname,
    instance,
    service,
    severity,
    priority,
    source: pick(SOURCES, a >> 4),
    summary,
    description:
      `${alertname} fired for ${service} in ${region}: observed ${value}, threshold ${threshold}. ${extra}`.trim(),
    tags: ['prod', service, severity, `team:${team}`, region],
    details: {
      region,
      team,
      value,
      threshold,
      runbook: `https://runbooks.example.com/${service}/${alertname}`,
    },
    startsAt: opts.startsAt,
    generatorURL: `https://prometheus.example.com/graph?g0.expr=${alertname}%7Bservice%3D%22${service}%22%7D`,
  }
}

/** The event list for the whole stream. */
export function makeStream(opts: StreamOptions): AlertEvent[] {
  const rnd = mulberry32(opts.seed)
  return Array.from({ length: opts.bodies }, (_, i) => makeEvent(i, opts, rnd))
}

/** Opsgenie POST /v2/alerts body, its description trimmed or padded into the 400–600 byte window. */
export function toOpsgenieBody(ev: AlertEvent): string {
  const render = (description: string): string =>
    JSON.stringify({
      message: ev.summary,
      alias: ev.alias,
      description,
      tags: ev.tags,
      details: ev.details,
      priority: ev.priority,
      source: ev.source,
    })
  let body = render(ev.description)
  const size = Buffer.byteLength(body)
  if (size > OPSGENIE_BODY_MAX) {
    body = render(ev.description.slice(0, Math.max(0, ev.description.length - (size - OPSGENIE_BODY_MAX))))
  } else if (size < OPSGENIE_BODY_MIN) {
    body = render(ev.description + ' '.repeat(OPSGENIE_BODY_MIN - size))
  }
  return body
}

/** Alertmanager POST /api/v2/alerts body: a list holding one postable alert from the same event. */
export function toAlertmanagerBody(ev: AlertEvent): string {
  return JSON.stringify([
    {
      labels: { alertname: ev.alertname, instance: ev.instance, severity: ev.severity, alias: ev.alias },
      annotations: { summary: ev.summary, description: ev.description },
      startsAt: ev.startsAt,
      generatorURL: ev.generatorURL,
    },
  ])
}

/** Min, max and mean byte length of a list of bodies. */
export function sizeStats(bodies: string[]): { min: number; max: number; mean: number } {
  // A loop, not Math.min(...sizes): spreading a million arguments overflows the stack.
  let min = Number.POSITIVE_INFINITY
  let max = 0
  let total = 0
  for (const b of bodies) {
    const n = Buffer.byteLength(b)
    min = Math.min(min, n)
    max = Math.max(max, n)
    total += n
  }
  return bodies.length ? { min, max, mean: total / bodies.length } : { min: 0, max: 0, mean: 0 }
}
