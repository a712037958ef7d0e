/**
 * Pure reading of the escalation engine's counters in each server's /metrics, so a two-instance run can
 * say which instance wrote how many steps (the notifications table itself does not record the writer).
 */

/** Counter samples: "name{labels}" → value. */
export type CounterSnapshot = Map<string, number>

/** Counters (`*_total`) whose name mentions escalation or notification, from Prometheus text. */
export function escalationCounters(text: string): CounterSnapshot {
  const out: CounterSnapshot = new Map()
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (!m) continue
    const name = m[1] as string
    if (!name.endsWith('_total') || !/escalat|notification/.test(name)) continue
    const v = Number(m[3])
    if (Number.isFinite(v)) out.set(`${name}${m[2] ?? ''}`, v)
  }
  return out
}

/** Increase of each counter between two snapshots; counters that did not move are left out. */
export function counterDeltas(before: CounterSnapshot, after: CounterSnapshot): Array<[string, number]> {
  const out: Array<[string, number]> = []
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0)
    if (d !== 0) out.push([k, d])
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]))
}
