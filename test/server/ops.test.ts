import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../support/http'
import { startTestServer } from '../support/server'
import { storeKinds } from '../support/stores'

const kinds = await storeKinds()

describe.each(kinds)('operational endpoints on $name', ({ name }) => {
  let srv: Awaited<ReturnType<typeof startTestServer>>
  beforeAll(async () => {
    srv = await startTestServer({ kind: name })
  })
  afterAll(async () => srv?.close())

  it('answers /health and /ready without credentials', async () => {
    const health = await call(srv.url, 'GET', '/health')
    expect(health.status).toBe(200)
    const ready = await call(srv.url, 'GET', '/ready')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ data: { store: name } })
  })

  it('exposes request, ingest, dedup and queue metrics for Prometheus', async () => {
    const auth = `GenieKey ${srv.apiKey}`
    await call(srv.url, 'POST', '/v2/alerts', { auth, body: { message: 'm', alias: 'metrics-1' } })
    await call(srv.url, 'POST', '/v2/alerts', { auth, body: { message: 'm', alias: 'metrics-1' } })
    const res = await fetch(`${srv.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/plain/)
    const text = await res.text()
    expect(text).toMatch(/vigil_http_requests_total\{method="POST",route="\/v2\/alerts",status="202"\} 2/)
    expect(text).toMatch(
      /vigil_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/v2\/alerts"\}/,
    )
    expect(text).toMatch(/vigil_alerts_ingested_total\{outcome="created"\} 1/)
    expect(text).toMatch(/vigil_alerts_ingested_total\{outcome="deduplicated"\} 1/)
    expect(text).toMatch(/vigil_alert_dedup_hits_total 1/)
    expect(text).toMatch(/vigil_write_queue_depth 0/)
    expect(text).toMatch(/vigil_write_batch_size_count \d+/)
    expect(text).toMatch(/process_resident_memory_bytes/)
  })

  it('serves the OpenAPI document publicly, generated from the route schemas', async () => {
    const doc = await call<{ openapi: string; paths: Record<string, Record<string, { summary?: string }>> }>(
      srv.url,
      'GET',
      '/api/docs/json',
    )
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toMatch(/^3\./)
    expect(doc.body.paths['/v2/alerts']?.post?.summary).toBe('Create an alert')
    expect(doc.body.paths['/v2/alerts/{identifier}/acknowledge']?.post).toBeDefined()
    expect(doc.body.paths['/integrations/alertmanager']?.post).toBeDefined()
    const ui = await fetch(`${srv.url}/api/docs/`)
    expect(ui.status).toBe(200)
  })
})
