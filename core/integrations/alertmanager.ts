import { type Static, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { failure, type MapOptions, type MapResult, mapped } from './commands'
import { type PromAlertContext, presentDetails, promAlert, promAlertCommand } from './prom-alert'
import { cut } from './text'
import { schemaErrors } from './validate'

/*
 * Alertmanager `webhook_configs` payload, version "4" (notes/opsgenie-api.md §8). Unlike `opsgenie_configs`,
 * which posts one alert per *group*, the webhook lists every alert of the group, so Vigil makes one alert per
 * Alertmanager alert and deduplicates on its fingerprint (stable for a label set).
 */

// Go encodes an empty map as {} but a nil one as null; accept both rather than reject a notification.
const KV = Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])

/** One alert inside an Alertmanager webhook notification. */
export const AlertmanagerAlert = Type.Object(
  {
    status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
    labels: KV,
    annotations: Type.Optional(KV),
    startsAt: Type.Optional(Type.String()),
    endsAt: Type.Optional(Type.String()),
    generatorURL: Type.Optional(Type.String()),
    fingerprint: Type.String({ minLength: 1 }),
  },
  { additionalProperties: true },
)

/** The Alertmanager webhook body; fields newer than 0.25 (notification_reason, routeLabels) are accepted. */
export const AlertmanagerWebhook = Type.Object(
  {
    version: Type.String(),
    status: Type.Optional(Type.String()),
    receiver: Type.Optional(Type.String()),
    alerts: Type.Array(AlertmanagerAlert),
    groupLabels: Type.Optional(KV),
    commonLabels: Type.Optional(KV),
    commonAnnotations: Type.Optional(KV),
    externalURL: Type.Optional(Type.String()),
    groupKey: Type.Optional(Type.String()),
    truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
    notification_reason: Type.Optional(Type.String()),
    routeLabels: Type.Optional(KV),
  },
  { additionalProperties: true },
)
export type AlertmanagerWebhook = Static<typeof AlertmanagerWebhook>

const check = TypeCompiler.Compile(AlertmanagerWebhook)

/** The only webhook payload version Alertmanager has shipped since 0.10 and the one mapped here. */
export const ALERTMANAGER_VERSION = '4'

const LABEL = 'Invalid Alertmanager webhook payload'

/**
 * Maps an Alertmanager webhook (version "4") to one command per alert: firing → create (alias = fingerprint,
 * prefixed by `aliasPrefix`), resolved → close by alias. Shape problems are answered 422 with per-field errors.
 */
export function mapAlertmanagerWebhook(body: unknown, options: MapOptions = {}): MapResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return failure(400, 'The Alertmanager webhook body must be a JSON object')
  }
  // Checked before the shape so a version mismatch gets its own message instead of a pile of field errors.
  const version = (body as { version?: unknown }).version
  if (version !== undefined && version !== ALERTMANAGER_VERSION) {
    const sent = cut(JSON.stringify(version), 40)
    return failure(
      422,
      `Unsupported Alertmanager webhook version ${sent}; Vigil accepts version "${ALERTMANAGER_VERSION}"`,
      { version: `must be "${ALERTMANAGER_VERSION}"` },
      true,
    )
  }
  const errors = schemaErrors(check, body)
  if (Object.keys(errors).length > 0) return failure(422, LABEL, errors)

  const payload = body as AlertmanagerWebhook
  const commands = payload.alerts.map((a) => {
    const ctx: PromAlertContext = {
      aliasPrefix: options.aliasPrefix,
      externalURL: payload.externalURL,
      priorityKeys: ['priority'],
      links: [['Source', a.generatorURL]],
      extraDetails: presentDetails([
        ['startsAt', a.startsAt],
        ['generatorURL', a.generatorURL],
      ]),
    }
    return promAlertCommand(promAlert(a), a.status === 'firing', ctx)
  })
  return mapped(commands)
}
