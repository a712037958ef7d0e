import { type Static, Type } from '@sinclair/typebox'

/** Inbound integration types Vigil serves. */
export const INTEGRATION_TYPES = ['API', 'Prometheus', 'Grafana', 'Webhook'] as const
export type IntegrationType = (typeof INTEGRATION_TYPES)[number]
export const IntegrationType = Type.Union(INTEGRATION_TYPES.map((t) => Type.Literal(t)))

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const RateLimit = Type.Integer({
  minimum: 0,
  maximum: 10_000_000,
  description: 'requests per minute accepted from this key; 0 = the server default',
})
// The shape depends on the type (the Webhook type's field mapping); the handler checks it per type.
const Config = Type.Record(Type.String(), Type.Unknown())

/** POST /api/v1/integrations. Access flags use Opsgenie's names. */
export const IntegrationCreate = Type.Object(
  {
    name: Name,
    type: IntegrationType,
    teamId: Type.String({ minLength: 1, maxLength: 100 }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    allowReadAccess: Type.Optional(Type.Boolean({ default: true })),
    allowWriteAccess: Type.Optional(Type.Boolean({ default: true })),
    allowDeleteAccess: Type.Optional(Type.Boolean({ default: true })),
    // Off by default: a monitoring tool's key should not be able to reconfigure the account.
    allowConfigurationAccess: Type.Optional(Type.Boolean({ default: false })),
    rateLimitPerMinute: Type.Optional(RateLimit),
    config: Type.Optional(Config),
  },
  { additionalProperties: false },
)
export type IntegrationCreate = Static<typeof IntegrationCreate>

/** PATCH /api/v1/integrations/:id; the type is fixed once created. */
export const IntegrationPatch = Type.Object(
  {
    name: Type.Optional(Name),
    teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    allowReadAccess: Type.Optional(Type.Boolean()),
    allowWriteAccess: Type.Optional(Type.Boolean()),
    allowDeleteAccess: Type.Optional(Type.Boolean()),
    allowConfigurationAccess: Type.Optional(Type.Boolean()),
    rateLimitPerMinute: Type.Optional(RateLimit),
    config: Type.Optional(Config),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type IntegrationPatch = Static<typeof IntegrationPatch>

/** Where a monitoring tool must send its alerts for this integration, by setting name. */
export const IntegrationUrls = Type.Object({
  /** Opsgenie Alert API endpoint (`POST {base}/v2/alerts`). */
  alertApi: Type.Optional(Type.String()),
  /** Alertmanager `opsgenie_configs[].api_url` (Alertmanager appends `v2/alerts` itself). */
  alertmanagerOpsgenieApiUrl: Type.Optional(Type.String()),
  /** Alertmanager `webhook_configs[].url`. */
  alertmanagerWebhook: Type.Optional(Type.String()),
  /** Grafana webhook contact point URL. */
  grafanaWebhook: Type.Optional(Type.String()),
  /** Grafana Opsgenie contact point "Alert API URL". */
  grafanaOpsgenieApiUrl: Type.Optional(Type.String()),
  /** Generic JSON webhook endpoint. */
  webhook: Type.Optional(Type.String()),
})
export type IntegrationUrls = Static<typeof IntegrationUrls>

/** An integration as the API shows it; `apiKey` appears only in create and rotate-key responses. */
export const Integration = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: IntegrationType,
  teamId: Type.String(),
  enabled: Type.Boolean(),
  allowReadAccess: Type.Boolean(),
  allowWriteAccess: Type.Boolean(),
  allowDeleteAccess: Type.Boolean(),
  allowConfigurationAccess: Type.Boolean(),
  rateLimitPerMinute: Type.Integer(),
  config: Type.Record(Type.String(), Type.Unknown()),
  /** The key's first characters, so admins can tell keys apart without seeing them. */
  keyHint: Type.String(),
  urls: IntegrationUrls,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  apiKey: Type.Optional(Type.String()),
})
export type Integration = Static<typeof Integration>

/** Ingest URLs for an integration type, from the server's externally visible base URL (no trailing slash). */
export function integrationUrls(type: IntegrationType, base: string): IntegrationUrls {
  switch (type) {
    case 'API':
      return { alertApi: `${base}/v2/alerts`, alertmanagerOpsgenieApiUrl: `${base}/` }
    case 'Prometheus':
      return {
        alertmanagerWebhook: `${base}/integrations/alertmanager`,
        alertmanagerOpsgenieApiUrl: `${base}/`,
      }
    case 'Grafana':
      return { grafanaWebhook: `${base}/integrations/grafana`, grafanaOpsgenieApiUrl: `${base}/v2/alerts` }
    case 'Webhook':
      return { webhook: `${base}/integrations/webhook` }
  }
}

/** GET /api/v1/integrations query. */
export const IntegrationListQuery = Type.Object({
  teamId: Type.Optional(Type.String({ maxLength: 100 })),
  type: Type.Optional(IntegrationType),
})
export type IntegrationListQuery = Static<typeof IntegrationListQuery>
