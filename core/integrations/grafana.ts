import { type Static, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { failure, type InboundCommand, type MapOptions, type MapResult, mapped } from './commands'
import { type PromAlertContext, presentDetails, promAlert, promAlertCommand } from './prom-alert'
import { detailText, own } from './text'
import { schemaErrors } from './validate'

/*
 * Grafana unified alerting's webhook contact point (payload `version: "1"`): Alertmanager's template data plus
 * Grafana's extras (silenceURL, dashboardURL, panelURL, values, orgId, title, state, message). Only what the
 * mapping needs is checked; Grafana keeps adding fields (ruleUID, enrichments, imageURL), so the rest passes.
 * A custom payload template replaces this body entirely; such integrations should use the generic mapper.
 */

const KV = Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])
const OptStr = Type.Optional(Type.String())

/** One alert inside a Grafana webhook notification. */
export const GrafanaAlert = Type.Object(
  {
    status: OptStr,
    labels: Type.Optional(KV),
    annotations: Type.Optional(KV),
    startsAt: OptStr,
    endsAt: OptStr,
    generatorURL: OptStr,
    fingerprint: Type.String({ minLength: 1 }),
    silenceURL: OptStr,
    dashboardURL: OptStr,
    panelURL: OptStr,
    imageURL: OptStr,
    values: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    valueString: OptStr,
  },
  { additionalProperties: true },
)

/** The Grafana webhook body, leniently: unknown and newer fields are accepted. */
export const GrafanaWebhook = Type.Object(
  {
    alerts: Type.Array(GrafanaAlert),
    status: OptStr,
    state: OptStr,
    receiver: OptStr,
    externalURL: OptStr,
    version: OptStr,
    groupKey: OptStr,
    title: OptStr,
    message: OptStr,
    orgId: Type.Optional(Type.Number()),
    truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
    groupLabels: Type.Optional(KV),
    commonLabels: Type.Optional(KV),
    commonAnnotations: Type.Optional(KV),
  },
  { additionalProperties: true },
)
export type GrafanaWebhook = Static<typeof GrafanaWebhook>
type GrafanaAlertValue = Static<typeof GrafanaAlert>

const check = TypeCompiler.Compile(GrafanaWebhook)

// Per-alert status is firing|resolved; the group-level `state` uses alerting|ok (legacy Grafana used those too).
const FIRING = new Set(['firing', 'alerting'])
const RESOLVED = new Set(['resolved', 'ok', 'normal'])

function statusOf(alert: GrafanaAlertValue, payload: GrafanaWebhook): boolean | undefined {
  // An alert without its own status inherits the notification's, which Grafana always sets.
  const raw = (alert.status ?? payload.status ?? payload.state ?? '').trim().toLowerCase()
  if (FIRING.has(raw)) return true
  if (RESOLVED.has(raw)) return false
  return undefined
}

function grafanaCommand(a: GrafanaAlertValue, firing: boolean, payload: GrafanaWebhook, options: MapOptions) {
  const values = a.values ?? {}
  const ctx: PromAlertContext = {
    aliasPrefix: options.aliasPrefix,
    externalURL: payload.externalURL,
    // `og_priority` is what Grafana's own Opsgenie contact point reads, so rules written for it keep working.
    priorityKeys: ['priority', 'og_priority'],
    links: [
      ['Source', a.generatorURL],
      ['Dashboard', a.dashboardURL],
      ['Panel', a.panelURL],
      ['Silence', a.silenceURL],
    ],
    extraDetails: [
      ...presentDetails([
        ['startsAt', a.startsAt],
        ['generatorURL', a.generatorURL],
        ['dashboardURL', a.dashboardURL],
        ['panelURL', a.panelURL],
        ['silenceURL', a.silenceURL],
        ['imageURL', a.imageURL],
        ['valueString', a.valueString],
      ]),
      ...Object.keys(values)
        .sort()
        .map((ref) => [`value.${ref}`, detailText(own(values, ref))] as [string, string]),
    ],
  }
  return promAlertCommand(promAlert(a), firing, ctx)
}

/**
 * Maps a Grafana webhook contact point body to one command per alert: firing/alerting → create (alias =
 * fingerprint, prefixed by `aliasPrefix`), resolved/ok → close by alias.
 */
export function mapGrafanaWebhook(body: unknown, options: MapOptions = {}): MapResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return failure(400, 'The Grafana webhook body must be a JSON object')
  }
  const errors = schemaErrors(check, body)
  if (Object.keys(errors).length > 0) return failure(422, 'Invalid Grafana webhook payload', errors)

  const payload = body as GrafanaWebhook
  const commands: InboundCommand[] = []
  const statusErrors: Record<string, string> = {}
  payload.alerts.forEach((a, i) => {
    const firing = statusOf(a, payload)
    if (firing === undefined) statusErrors[`alerts[${i}].status`] = 'must be "firing" or "resolved"'
    else commands.push(grafanaCommand(a, firing, payload, options))
  })
  if (Object.keys(statusErrors).length > 0)
    return failure(422, 'Invalid Grafana webhook payload', statusErrors)
  return mapped(commands)
}
