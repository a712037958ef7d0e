/**
 * Override layering. An override replaces whoever holds a rotation during its range: it splits the
 * rotation's periods and takes the overlapping parts. It only replaces time the rotation covers (its turns
 * inside restriction windows, including 'none' turns); it does not extend a rotation outside its windows,
 * before its startDate or after its endDate. When overrides overlap, the one later in the schedule's list
 * (the newer one) wins.
 */
import type { Override } from '../model/schedule'
import type { Period } from './types'

/** A piece of time in which one override wins; segments are ordered and non-overlapping. */
export interface OverrideSegment {
  start: number
  end: number
  override: Override
}

/** The overrides that apply to a rotation (those naming it, and those naming none). */
export function overridesFor(overrides: readonly Override[], rotationId: string): Override[] {
  return overrides.filter((o) => o.rotationIds === undefined || o.rotationIds.includes(rotationId))
}

/** Flattens overlapping overrides into segments where a single override wins (the later in the list). */
export function overrideSegments(overrides: readonly Override[]): OverrideSegment[] {
  const items = overrides.map((o, i) => ({ o, i })).filter((x) => x.o.end > x.o.start)
  const bounds = [...new Set(items.flatMap((x) => [x.o.start, x.o.end]))].sort((a, b) => a - b)
  const byStart = [...items].sort((a, b) => a.o.start - b.o.start)
  const out: OverrideSegment[] = []
  let next = 0
  let active: typeof items = []
  for (let j = 0; j + 1 < bounds.length; j++) {
    const b = bounds[j] as number
    const e = bounds[j + 1] as number
    while (next < byStart.length && (byStart[next]?.o.start as number) <= b)
      active.push(byStart[next++] as (typeof items)[number])
    active = active.filter((x) => x.o.end > b)
    let win: (typeof items)[number] | undefined
    for (const x of active) if (!win || x.i > win.i) win = x
    if (!win) continue
    const prev = out[out.length - 1]
    if (prev && prev.override === win.o && prev.end === b) prev.end = e
    else out.push({ start: b, end: e, override: win.o })
  }
  return out
}

/** Index of the first segment ending after t (segments.length if none). */
function firstEndingAfter(segs: readonly OverrideSegment[], t: number): number {
  let lo = 0
  let hi = segs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((segs[mid] as OverrideSegment).end <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The override winning at instant t, if any (binary search). */
export function overrideAt(segs: readonly OverrideSegment[], t: number): Override | undefined {
  const s = segs[firstEndingAfter(segs, t)]
  return s && s.start <= t ? s.override : undefined
}

/** Lays override segments over ordered periods: overlapping parts become override periods. */
export function applyOverrides(periods: readonly Period[], segs: readonly OverrideSegment[]): Period[] {
  if (segs.length === 0) return periods.slice()
  const out: Period[] = []
  for (const p of periods) {
    let cursor = p.start
    for (let i = firstEndingAfter(segs, p.start); i < segs.length; i++) {
      const s = segs[i] as OverrideSegment
      if (s.start >= p.end) break
      const start = Math.max(s.start, p.start)
      const end = Math.min(s.end, p.end)
      if (start > cursor) out.push({ ...p, start: cursor, end: start })
      out.push({
        start,
        end,
        participant: { type: 'user', id: s.override.userId },
        overrideId: s.override.id,
        replaced: p.participant,
      })
      cursor = end
    }
    if (cursor === p.start) out.push(p)
    else if (p.end > cursor) out.push({ ...p, start: cursor, end: p.end })
  }
  return out
}
