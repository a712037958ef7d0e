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
  }
}

export type Metrics = ReturnType<typeof createMetrics>
