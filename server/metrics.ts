import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The server's Prometheus metrics, in a registry of its own so tests can build several apps. */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpRequests: new Counter({
      name: 'vigil_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    alertsIngested: new Counter({
      name: 'vigil_alerts_ingested_total',
      help: 'Alert create requests written, by outcome (created or deduplicated)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    dedupHits: new Counter({
      name: 'vigil_alert_dedup_hits_total',
      help: 'Creates that matched an open alert by alias and raised its count',
      registers: [registry],
    }),
    writeQueueDepth: new Gauge({
      name: 'vigil_write_queue_depth',
      help: 'Alert writes waiting for the next group commit',
      registers: [registry],
    }),
    writeBatchSize: new Histogram({
      name: 'vigil_write_batch_size',
      help: 'Alert writes committed per transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    escalationSteps: new Counter({
      name: 'vigil_escalation_steps_total',
      help: 'Escalation steps the engine carried out, by outcome (notified, nobody on call, skipped as acknowledged)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    escalationNotifications: new Counter({
      name: 'vigil_escalation_notifications_total',
      help: 'Notification rows written by escalation steps (one per step and person)',
      registers: [registry],
    }),
    escalationLateness: new Histogram({
      name: 'vigil_escalation_step_lateness_seconds',
      help: 'How long after its due time an escalation step fired',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
    escalationRunsDue: new Gauge({
      name: 'vigil_escalation_runs_due',
      help: 'Escalation runs due (next_wake_at reached) when the engine last looked',
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
