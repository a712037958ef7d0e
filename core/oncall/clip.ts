/** Cutting ordered periods to restriction windows or to a query range. */
import type { TimeRange } from '../time/restrictions'

/**
 * The parts of `items` inside `windows` (both sorted by start and non-overlapping): each item is copied
 * once per window it overlaps, with start and end cut to the overlap.
 */
export function clipToWindows<T extends TimeRange>(items: readonly T[], windows: readonly TimeRange[]): T[] {
  const out: T[] = []
  let j = 0
  for (const it of items) {
    // Items are ordered, so a window that ends before this item cannot matter to any later one.
    while (j < windows.length && (windows[j] as TimeRange).end <= it.start) j++
    for (let i = j; i < windows.length; i++) {
      const w = windows[i] as TimeRange
      if (w.start >= it.end) break
      const start = Math.max(w.start, it.start)
      const end = Math.min(w.end, it.end)
      if (end > start) out.push({ ...it, start, end })
    }
  }
  return out
}

/** The items overlapping [from, to), cut to it (copies only where an item sticks out). */
export function clipToRange<T extends TimeRange>(items: readonly T[], from: number, to: number): T[] {
  const out: T[] = []
  for (const it of items) {
    if (it.end <= from || it.start >= to) continue
    out.push(
      it.start >= from && it.end <= to
        ? it
        : { ...it, start: Math.max(it.start, from), end: Math.min(it.end, to) },
    )
  }
  return out
}
