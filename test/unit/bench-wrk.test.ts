import { describe, expect, it } from 'vitest'
import {
  buildLuaScript,
  JSON_MARKER,
  luaString,
  parseWrkDurationMs,
  parseWrkJson,
  parseWrkOutput,
  parseWrkText,
  totalErrors,
} from '../../bench/lib/wrk'
import { isLoopbackUrl } from '../../bench/lib/wrk-run'

// Real wrk 4.1.0 output (with --latency) followed by the done() line our script prints.
const SAMPLE = `Running 3s test @ http://127.0.0.1:18555/v2/alerts
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.18ms    1.51ms  40.83ms   94.88%
    Req/Sec    15.90k     4.30k   30.47k    87.10%
  Latency Distribution
     50%  857.00us
     75%    1.15ms
     90%    1.73ms
     99%    6.22ms
  98208 requests in 3.09s, 21.73MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  31804.40
Transfer/sec:      7.04MB
${JSON_MARKER}{"requests":98208,"duration_us":3087875,"p50_us":857,"p90_us":1727,"p99_us":6223,"max_us":40834,"mean_us":1175.2,"connect":0,"read":2,"write":0,"timeout":3,"status":7,"sent":[49110,49114]}
`

describe('wrk output parsing', () => {
  it('reads the done() JSON line, including per-thread cursors', () => {
    const r = parseWrkJson(SAMPLE)
    expect(r).toBeDefined()
    expect(r?.source).toBe('json')
    expect(r?.requests).toBe(98208)
    expect(r?.rps).toBeCloseTo(98208 / 3.087875, 3)
    expect(r?.p50Ms).toBeCloseTo(0.857)
    expect(r?.p99Ms).toBeCloseTo(6.223)
    expect(r?.maxMs).toBeCloseTo(40.834)
    expect(r?.errors).toEqual({ connect: 0, read: 2, write: 0, timeout: 3, status: 7 })
    expect(r?.sentPerThread).toEqual([49110, 49114])
    expect(totalErrors(r?.errors ?? { connect: 0, read: 0, write: 0, timeout: 0, status: 0 })).toBe(12)
  })

  it('falls back to the text summary when the JSON line is missing or broken', () => {
    const text = SAMPLE.split('\n')
      .filter((l) => !l.startsWith(JSON_MARKER))
      .join('\n')
    expect(parseWrkJson(text)).toBeUndefined()
    expect(parseWrkJson(`${JSON_MARKER}{"requests":`)).toBeUndefined()
    const r = parseWrkOutput(text)
    expect(r?.source).toBe('text')
    expect(r?.requests).toBe(98208)
    expect(r?.durationSec).toBeCloseTo(3.09)
    expect(r?.rps).toBeCloseTo(31804.4)
    expect(r?.p50Ms).toBeCloseTo(0.857)
    expect(r?.p90Ms).toBeCloseTo(1.73)
    expect(r?.p99Ms).toBeCloseTo(6.22)
    expect(r?.meanMs).toBeCloseTo(1.18)
    expect(r?.maxMs).toBeCloseTo(40.83)
    expect(r?.errors).toEqual({ connect: 0, read: 2, write: 0, timeout: 3, status: 7 })
    expect(r?.sentPerThread).toBeUndefined()
  })

  it('treats absent error lines as zero and rejects output without totals', () => {
    const clean = SAMPLE.split('\n')
      .filter((l) => !/Socket errors|Non-2xx|BENCH_WRK/.test(l))
      .join('\n')
    expect(parseWrkText(clean)?.errors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0, status: 0 })
    expect(parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toBeUndefined()
  })

  it('converts every wrk duration unit to milliseconds', () => {
    expect(parseWrkDurationMs('812.00us')).toBeCloseTo(0.812)
    expect(parseWrkDurationMs('1.5ms')).toBe(1.5)
    expect(parseWrkDurationMs('2.00s')).toBe(2000)
    expect(parseWrkDurationMs('1.00m')).toBe(60_000)
    expect(parseWrkDurationMs('1h')).toBe(3_600_000)
    expect(parseWrkDurationMs('fast')).toBeNaN()
  })
})

describe('the Lua script', () => {
  it('escapes Lua string literals', () => {
    expect(luaString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"')
  })

  it('carries method, path, headers and the thread stride', () => {
    const lua = buildLuaScript({
      method: 'POST',
      path: '/v2/alerts',
      headers: { Authorization: 'GenieKey abc"def', 'Content-Type': 'application/json' },
      threads: 3,
    })
    expect(lua).toContain('wrk.format("POST", "/v2/alerts", headers, line)')
    expect(lua).toContain('["Authorization"] = "GenieKey abc\\"def"')
    expect(lua).toContain('idx = idx + 3')
    expect(lua).toContain(JSON_MARKER.trim())
    for (const hook of ['function setup(', 'function init(', 'function request(', 'function done(']) {
      expect(lua).toContain(hook)
    }
  })
})

describe('loopback guard', () => {
  it('accepts only loopback targets', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8080/v2/alerts')).toBe(true)
    expect(isLoopbackUrl('http://localhost:1')).toBe(true)
    expect(isLoopbackUrl('http://[::1]:1')).toBe(true)
    expect(isLoopbackUrl('http://10.0.0.1:8080')).toBe(false)
    expect(isLoopbackUrl('http://example.com')).toBe(false)
  })
})
