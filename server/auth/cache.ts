import type { Clock } from '../../core/time/clock'

interface Entry<V> {
  value: V
  expiresAt: number
}

/**
 * A bounded map whose entries expire after a TTL measured on the injected clock. When full, the oldest
 * insertion goes first (a Map iterates in insertion order), which is LRU enough for a cache of hot keys.
 */
export class TtlCache<K, V> {
  private readonly map = new Map<K, Entry<V>>()

  constructor(
    private readonly clock: Clock,
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {}

  /** The live value for the key, dropping it when expired. */
  get(key: K): V | undefined {
    const e = this.map.get(key)
    if (!e) return undefined
    if (e.expiresAt <= this.clock.now()) {
      this.map.delete(key)
      return undefined
    }
    return e.value
  }

  /** Stores a value for `ttlMs` (or the cache's TTL), evicting the oldest entry when full. */
  set(key: K, value: V, ttlMs = this.ttlMs): void {
    if (this.map.has(key)) this.map.delete(key)
    else if (this.map.size >= this.maxEntries) this.evictOne()
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlMs })
  }

  delete(key: K): boolean {
    return this.map.delete(key)
  }

  /** Removes every entry whose value matches; a linear scan, fine for the rare admin change it serves. */
  deleteWhere(match: (value: V) => boolean): number {
    let n = 0
    for (const [k, e] of this.map) {
      if (match(e.value)) {
        this.map.delete(k)
        n++
      }
    }
    return n
  }

  get size(): number {
    return this.map.size
  }

  clear(): void {
    this.map.clear()
  }

  private evictOne(): void {
    // Prefer an expired entry near the front; otherwise the oldest insertion.
    const now = this.clock.now()
    let scanned = 0
    for (const [k, e] of this.map) {
      if (e.expiresAt <= now) {
        this.map.delete(k)
        return
      }
      if (++scanned >= 8) break
    }
    const oldest = this.map.keys().next()
    if (!oldest.done) this.map.delete(oldest.value)
  }
}
