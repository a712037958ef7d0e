/** Pure reading of Prometheus text exposition, enough to summarise Vigil's own /metrics after a run. */

/** Sum of every sample of `name` whose labels include all of `labels` (NaN when there is none). */
export function promSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  let found = false
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line)
    if (!m || m[1] !== name) continue
    const have = new Map<string, string>()
    for (const pair of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      have.set(pair[1] as string, pair[2] as string)
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) {
      sum += Number(m[4])
      found = true
    }
  }
  return found ? sum : Number.NaN
}

/** One line about Vigil's write path: transactions, mean batch size, created vs deduplicated. */
export function summariseVigilMetrics(text: string): string | undefined {
  const batches = promSum(text, 'vigil_write_batch_size_count')
  const jobs = promSum(text, 'vigil_write_batch_size_sum')
  const created = promSum(text, 'vigil_alerts_ingested_total', { outcome: 'created' })
  const dedup = promSum(text, 'vigil_alerts_ingested_total', { outcome: 'deduplicated' })
  const parts: string[] = []
  if (Number.isFinite(batches) && batches > 0) {
    parts.push(`${batches} group commits, mean ${(jobs / batches).toFixed(1)} writes per commit`)
  }
  if (Number.isFinite(created) || Number.isFinite(dedup)) {
    parts.push(
      `ingested ${Number.isFinite(created) ? created : 0} created + ${Number.isFinite(dedup) ? dedup : 0} deduplicated`,
    )
  }
  return parts.length ? `/metrics: ${parts.join('; ')}` : undefined
}
