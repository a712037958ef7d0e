import { describe, expect, it } from 'vitest'
import {
  DEFAULT_STREAM,
  makeStream,
  mulberry32,
  OPSGENIE_BODY_MAX,
  OPSGENIE_BODY_MIN,
  sizeStats,
  toAlertmanagerBody,
  toOpsgenieBody,
} from '../../bench/ingest/stream'

const stream = makeStream(DEFAULT_STREAM)

describe('alert stream', () => {
  it('has the default shape: 10,000 bodies over 5,000 distinct aliases', () => {
    expect(stream).toHaveLength(10_000)
    expect(new Set(stream.map((e) => e.alias)).size).toBe(5000)
  })

  it('repeats the same alert identity for the same alias (so dedup applies)', () => {
    const a = stream[17]
    const b = stream[17 + DEFAULT_STREAM.aliases]
    expect(b?.alias).toBe(a?.alias)
    expect(b?.instance).toBe(a?.instance)
    expect(b?.priority).toBe(a?.priority)
  })

  it('is deterministic for a seed', () => {
    expect(makeStream({ ...DEFAULT_STREAM, bodies: 50 })).toEqual(
      makeStream({ ...DEFAULT_STREAM, bodies: 50 }),
    )
    const r1 = mulberry32(1)
    const r2 = mulberry32(1)
    expect([r1(), r1()]).toEqual([r2(), r2()])
  })

  it('renders Opsgenie create bodies of 400-600 bytes with every required field, one line each', () => {
    // One assertion over all sizes: 10,000 separate expect() calls dominate the suite's time.
    const bodies = stream.map(toOpsgenieBody)
    const sizes = bodies.map((b) => Buffer.byteLength(b))
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(OPSGENIE_BODY_MIN)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(OPSGENIE_BODY_MAX)
    expect(bodies.filter((b) => b.includes('\n'))).toEqual([])
    const parsed = JSON.parse(toOpsgenieBody(stream[0] as never))
    expect(Object.keys(parsed).sort()).toEqual(
      ['alias', 'description', 'details', 'message', 'priority', 'source', 'tags'].sort(),
    )
    expect(parsed.message.length).toBeLessThanOrEqual(130)
    expect(parsed.priority).toMatch(/^P[1-5]$/)
  })

  it('pads or trims the description to stay inside the window', () => {
    const ev = { ...(stream[0] as (typeof stream)[0]) }
    expect(Buffer.byteLength(toOpsgenieBody({ ...ev, description: '' }))).toBe(OPSGENIE_BODY_MIN)
    expect(Buffer.byteLength(toOpsgenieBody({ ...ev, description: 'x'.repeat(2000) }))).toBe(
      OPSGENIE_BODY_MAX,
    )
  })

  it('renders one postable Alertmanager alert from the same event', () => {
    const ev = stream[3] as (typeof stream)[0]
    const list = JSON.parse(toAlertmanagerBody(ev))
    expect(list).toHaveLength(1)
    expect(list[0].labels).toEqual({
      alertname: ev.alertname,
      instance: ev.instance,
      severity: ev.severity,
      alias: ev.alias,
    })
    expect(Object.keys(list[0].annotations)).toEqual(['summary', 'description'])
    expect(list[0].startsAt).toBe(DEFAULT_STREAM.startsAt)
    expect(list[0].generatorURL).toMatch(/^https:\/\//)
  })

  it('summarises body sizes', () => {
    expect(sizeStats(['ab', 'abcd'])).toEqual({ min: 2, max: 4, mean: 3 })
    expect(sizeStats([])).toEqual({ min: 0, max: 0, mean: 0 })
  })
})
