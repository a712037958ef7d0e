import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonEqual, type MergeDoc, threeWayMerge } from '../../core/sync/merge'
import { ManualClock } from '../../core/time/clock'
import { authorOf } from '../../src-renderer/db/conflict-handler'

const clock = new ManualClock(Date.UTC(2026, 10, 27, 12))
const ctx = { collection: 'schedules', clock }

// Small value domains so that both sides often pick the same or different values for the same field.
const scalar = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 2 }), fc.boolean())
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 2 }),
  fc.record({ x: scalar, y: scalar }, { requiredKeys: ['x'] }),
)
const FIELDS = ['name', 'description', 'enabled', 'timezone', 'extra'] as const
const body = fc.record(Object.fromEntries(FIELDS.map((f) => [f, value])), { requiredKeys: ['name'] })
const doc = (b: Record<string, unknown>): MergeDoc => ({ id: 's1', ...b, _deleted: false })

/** A variation of base: each field kept, changed or removed. */
const edit = (base: Record<string, unknown>) =>
  fc
    .record(Object.fromEntries(FIELDS.map((f) => [f, fc.option(value, { nil: undefined })])))
    .chain((changes) =>
      fc
        .record(Object.fromEntries(FIELDS.map((f) => [f, fc.constantFrom('keep', 'change', 'remove')])))
        .map((how) => {
          const out: Record<string, unknown> = {}
          for (const f of FIELDS) {
            const h = how[f]
            const v = h === 'keep' ? base[f] : h === 'change' ? changes[f] : undefined
            if (v !== undefined) out[f] = v
          }
          return out
        }),
    )

const triple = body.chain((b) => fc.tuple(fc.constant(b), edit(b), edit(b)))

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The merge rule for one value: a one-sided change wins, an equal change is kept, and a plain object both
 * sides changed differently merges key by key (the rule again, one level down); anything else changed
 * differently on both sides keeps the server's value with a conflict at exactly that path. A conflict is
 * never recorded anywhere else.
 */
function checkValue(
  b: unknown,
  m: unknown,
  t: unknown,
  merged: unknown,
  path: string,
  conflicts: Set<string>,
) {
  const mineChanged = !jsonEqual(b, m)
  const theirsChanged = !jsonEqual(b, t)
  if (!mineChanged) expect(merged).toEqual(t)
  else if (!theirsChanged) expect(merged).toEqual(m)
  else if (jsonEqual(m, t)) expect(merged).toEqual(t)
  else if (isObj(m) && isObj(t) && (b === undefined || isObj(b))) {
    const base = b as Record<string, unknown> | undefined
    for (const k of new Set([...Object.keys(m), ...Object.keys(t), ...Object.keys(base ?? {})])) {
      const sub = isObj(merged) ? merged[k] : undefined
      checkValue(base?.[k], m[k], t[k], sub, `${path}.${k}`, conflicts)
    }
  } else {
    expect(merged).toEqual(t)
    expect(conflicts.has(path)).toBe(true)
  }
  if (conflicts.has(path)) expect(mineChanged && theirsChanged && !jsonEqual(m, t)).toBe(true)
}

describe('threeWayMerge properties', () => {
  it('a side that changed nothing takes the other side whole, without conflicts', () => {
    fc.assert(
      fc.property(triple, ([b, m]) => {
        const r1 = threeWayMerge({ base: doc(b), mine: doc(b), theirs: doc(m) }, ctx)
        expect(jsonEqual(r1.merged, doc(m))).toBe(true)
        expect(r1.conflicts).toEqual([])
        const r2 = threeWayMerge({ base: doc(b), mine: doc(m), theirs: doc(b) }, ctx)
        expect(jsonEqual(r2.merged, doc(m))).toBe(true)
        expect(r2.conflicts).toEqual([])
      }),
    )
  })

  it('each field ends with the one-sided change, or the server value and a conflict naming it', () => {
    fc.assert(
      fc.property(triple, ([b, m, t]) => {
        const { merged, conflicts } = threeWayMerge({ base: doc(b), mine: doc(m), theirs: doc(t) }, ctx)
        const conflictPaths = new Set(conflicts.map((c) => c.field))
        for (const f of FIELDS) checkValue(b[f], m[f], t[f], merged[f], f, conflictPaths)
        for (const c of conflicts) {
          expect(c).toMatchObject({ collection: 'schedules', docId: 's1', who: 'server', when: clock.now() })
          expect(jsonEqual(c.mine, c.theirs)).toBe(false)
        }
      }),
    )
  })

  it('merging again against the server state changes nothing: the result is stable', () => {
    fc.assert(
      fc.property(triple, ([b, m, t]) => {
        const first = threeWayMerge({ base: doc(b), mine: doc(m), theirs: doc(t) }, ctx).merged
        // After the push the server holds `first`; a retry of the same merge must give the same document.
        const again = threeWayMerge({ base: doc(t), mine: first, theirs: doc(t) }, ctx)
        expect(jsonEqual(again.merged, first)).toBe(true)
        expect(again.conflicts).toEqual([])
      }),
    )
  })

  it('is symmetric in outcome when both sides made the same change', () => {
    fc.assert(
      fc.property(triple, ([b, m]) => {
        const r = threeWayMerge({ base: doc(b), mine: doc(m), theirs: doc(m) }, ctx)
        expect(jsonEqual(r.merged, doc(m))).toBe(true)
        expect(r.conflicts).toEqual([])
      }),
    )
  })
})

type Rot = { id: string; name: string; length: number }

describe('threeWayMerge examples', () => {
  const base = {
    id: 's1',
    name: 'Ops',
    description: '',
    timezone: 'Europe/Berlin',
    rotations: [
      { id: 'r1', name: 'day', length: 1 },
      { id: 'r2', name: 'night', length: 1 },
    ],
    _deleted: false,
  }

  it('merges disjoint edits silently and records a both-sides edit with who and when', () => {
    const mine = { ...base, name: 'Ops (mine)', description: 'offline note' }
    const theirs = { ...base, name: 'Ops (server)', timezone: 'UTC', updatedBy: 'u-admin' }
    const { merged, conflicts } = threeWayMerge({ base, mine, theirs }, ctx)
    expect(merged).toEqual({ ...theirs, description: 'offline note' })
    expect(conflicts).toEqual([
      {
        collection: 'schedules',
        docId: 's1',
        field: 'name',
        base: 'Ops',
        mine: 'Ops (mine)',
        theirs: 'Ops (server)',
        who: 'u-admin',
        when: clock.now(),
      },
    ])
  })

  it('merges rotations by id: an edit of one and an edit of another both survive', () => {
    const [r1, r2] = base.rotations as [Rot, Rot]
    const mine = { ...base, rotations: [{ ...r1, length: 2 }, r2] }
    const theirs = { ...base, rotations: [r1, { ...r2, name: 'late' }, { id: 'r3', name: 'w', length: 7 }] }
    const { merged, conflicts } = threeWayMerge({ base, mine, theirs }, ctx)
    expect(conflicts).toEqual([])
    expect(merged.rotations).toEqual([
      { id: 'r1', name: 'day', length: 2 },
      { id: 'r2', name: 'late', length: 1 },
      { id: 'r3', name: 'w', length: 7 },
    ])
  })

  it('a rotation I edited that the server removed stays removed, with a conflict', () => {
    const mine = { ...base, rotations: [base.rotations[0], { ...base.rotations[1], length: 3 }] }
    const theirs = { ...base, rotations: [base.rotations[0]] }
    const { merged, conflicts } = threeWayMerge({ base, mine, theirs }, ctx)
    expect(merged.rotations).toEqual([base.rotations[0]])
    expect(conflicts.map((c) => c.field)).toEqual(['rotations[id=r2]'])
  })

  it('keeps my reordering when the server did not reorder', () => {
    const mine = { ...base, rotations: [base.rotations[1], base.rotations[0]] }
    const theirs = { ...base, rotations: [{ ...base.rotations[0], name: 'early' }, base.rotations[1]] }
    const { merged } = threeWayMerge({ base, mine, theirs }, ctx)
    expect((merged.rotations as { id: string; name: string }[]).map((r) => `${r.id}:${r.name}`)).toEqual([
      'r2:night',
      'r1:early',
    ])
  })

  it('deletions: unchanged side yields, a changed side makes the server win with a conflict', () => {
    const deleted = { ...base, _deleted: true }
    const edited = { ...base, name: 'edited' }
    // Server deleted, I did not touch it: deleted, silently.
    expect(threeWayMerge({ base, mine: base, theirs: deleted }, ctx)).toEqual({
      merged: deleted,
      conflicts: [],
    })
    // Server deleted, I edited: deleted (server wins), my document is in the conflict.
    const r1 = threeWayMerge({ base, mine: edited, theirs: deleted }, ctx)
    expect(r1.merged).toEqual(deleted)
    expect(r1.conflicts).toMatchObject([{ field: '_deleted', mine: edited, theirs: deleted }])
    // I deleted, server untouched: my deletion stands.
    expect(threeWayMerge({ base, mine: deleted, theirs: base }, ctx)).toEqual({
      merged: deleted,
      conflicts: [],
    })
    // I deleted, server edited: the server's edit stands, with a conflict.
    const r2 = threeWayMerge({ base, mine: deleted, theirs: edited }, ctx)
    expect(r2.merged).toEqual(edited)
    expect(r2.conflicts).toMatchObject([{ field: '_deleted', mine: deleted, theirs: edited }])
    // Both deleted.
    expect(threeWayMerge({ base, mine: deleted, theirs: deleted }, ctx).conflicts).toEqual([])
  })

  it('without a base (created on both sides) every differing field is a conflict and the server wins', () => {
    const mine = { ...base, name: 'A', description: 'same' }
    const theirs = { ...base, name: 'B', description: 'same' }
    const { merged, conflicts } = threeWayMerge({ mine, theirs }, ctx)
    expect(merged).toEqual(theirs)
    expect(conflicts.map((c) => [c.field, c.base, c.mine, c.theirs])).toEqual([['name', undefined, 'A', 'B']])
  })

  it('updatedBy is server-owned: always the server value, never a change or a conflict', () => {
    const seen = { ...base, updatedBy: 'alice' }
    // The server re-stamped it on a write of mine (or someone else's): take theirs, nothing to record.
    const r1 = threeWayMerge(
      { base: seen, mine: { ...seen, description: 'mine' }, theirs: { ...seen, updatedBy: 'bob' } },
      ctx,
    )
    expect(r1).toEqual({ merged: { ...seen, description: 'mine', updatedBy: 'bob' }, conflicts: [] })
    // A local value differing from both (a copied or forged document), even without a base: theirs.
    const r2 = threeWayMerge(
      { mine: { ...seen, updatedBy: 'mallory' }, theirs: { ...seen, updatedBy: 'bob' } },
      ctx,
    )
    expect(r2).toEqual({ merged: { ...seen, updatedBy: 'bob' }, conflicts: [] })
    // A server state without one (no audit entry) leaves none in the result.
    const r3 = threeWayMerge<MergeDoc>({ base: seen, mine: seen, theirs: { ...base, name: 'renamed' } }, ctx)
    expect(r3).toEqual({ merged: { ...base, name: 'renamed' }, conflicts: [] })
    // A re-stamp alone is no change of the document: my deletion still stands.
    const gone = { ...seen, _deleted: true }
    expect(threeWayMerge({ base: seen, mine: gone, theirs: { ...seen, updatedBy: 'bob' } }, ctx)).toEqual({
      merged: gone,
      conflicts: [],
    })
    // And the result merged again against the same server state changes nothing (no push loop).
    const again = threeWayMerge(
      { base: r1.merged, mine: r1.merged, theirs: { ...r1.merged, updatedBy: 'carol' } },
      ctx,
    )
    expect(again).toEqual({ merged: { ...r1.merged, updatedBy: 'carol' }, conflicts: [] })
    // A true conflict names the server state's author; other server-owned fields can be declared.
    const r4 = threeWayMerge(
      { base: seen, mine: { ...seen, name: 'A' }, theirs: { ...seen, name: 'B', updatedBy: 'bob' } },
      ctx,
    )
    expect(r4.conflicts).toMatchObject([{ field: 'name', mine: 'A', theirs: 'B', who: 'bob' }])
    const r5 = threeWayMerge(
      { base: seen, mine: { ...seen, name: 'A' }, theirs: { ...seen, name: 'B' } },
      { ...ctx, serverOwned: ['updatedBy', 'name'] },
    )
    expect(r5).toEqual({ merged: { ...seen, name: 'B' }, conflicts: [] })
  })

  it("the console's conflict handler names updatedBy, or the server when there is none", () => {
    expect(authorOf({ ...base, updatedBy: 'bob@vigil.test' })).toBe('bob@vigil.test')
    expect(authorOf(base)).toBe('server')
    expect(authorOf({ ...base, updatedBy: '' })).toBe('server')
  })

  it('jsonEqual ignores key order and undefined keys', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true)
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false)
    expect(jsonEqual([1], { 0: 1 })).toBe(false)
  })
})
