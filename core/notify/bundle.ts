/** Bundling: due deliveries to one person on one channel and address become one message. Pure. */

/** The part of a delivery bundling looks at. */
export interface Bundleable {
  id: string
  userId: string
  channel: string
  address: string
  dueAt: number
  /** Orders deliveries due at the same instant (the alert's tinyId), before the id. */
  seq?: number
}

/** A message: its deliveries, oldest due first; the first one's id names the bundle. */
export interface Bundle<D extends Bundleable> {
  id: string
  userId: string
  channel: string
  address: string
  deliveries: D[]
}

/**
 * Groups deliveries by (user, channel, address), at most `max` per bundle (a longer list splits into several
 * messages), bundles ordered by their oldest due delivery.
 */
export function bundle<D extends Bundleable>(deliveries: readonly D[], max = 20): Array<Bundle<D>> {
  const groups = new Map<string, D[]>()
  const ordered = [...deliveries].sort(
    (a, b) => a.dueAt - b.dueAt || (a.seq ?? 0) - (b.seq ?? 0) || a.id.localeCompare(b.id),
  )
  for (const d of ordered) {
    const k = JSON.stringify([d.userId, d.channel, d.address])
    const g = groups.get(k)
    if (g) g.push(d)
    else groups.set(k, [d])
  }
  const out: Array<Bundle<D>> = []
  for (const g of groups.values()) {
    for (let i = 0; i < g.length; i += max) {
      const part = g.slice(i, i + max)
      const first = part[0] as D
      out.push({
        id: first.id,
        userId: first.userId,
        channel: first.channel,
        address: first.address,
        deliveries: part,
      })
    }
  }
  return out.sort((a, b) => (a.deliveries[0]?.dueAt ?? 0) - (b.deliveries[0]?.dueAt ?? 0))
}
