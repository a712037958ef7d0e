import { BehaviorSubject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { PendingChanges, type SyncStatus, sustained, syncStatus$ } from '../../src-renderer/db/status'

describe('sync status', () => {
  it('is offline without a connection, syncing while busy or holding changes, online otherwise', () => {
    const connected = new BehaviorSubject(false)
    const activeA = new BehaviorSubject(false)
    const activeB = new BehaviorSubject(false)
    const problem = new BehaviorSubject<{ code: string; message: string } | undefined>(undefined)
    const pending = new PendingChanges()
    const seen: SyncStatus[] = []
    const sub = syncStatus$(connected, [activeA, activeB], pending.count$, problem).subscribe((s) =>
      seen.push(s),
    )

    pending.mark('schedules', ['s1', 's2'])
    pending.mark('schedules', ['s1']) // the same document twice is one change
    problem.next({ code: 'unauthorized', message: 'session expired' })
    connected.next(true)
    activeB.next(true)
    activeB.next(false)
    pending.settle('schedules', ['s1'])
    pending.settle('schedules', ['s2', 'unknown'])
    pending.settle('overrides', ['x'])
    sub.unsubscribe()

    expect(seen).toEqual([
      { state: 'offline', pending: 0 },
      { state: 'offline', pending: 2 },
      { state: 'offline', pending: 2, problem: { code: 'unauthorized', message: 'session expired' } },
      { state: 'syncing', pending: 2 },
      { state: 'syncing', pending: 1 },
      { state: 'online', pending: 0 },
    ])
  })

  it('counts per collection: the same id in two collections is two changes', () => {
    const pending = new PendingChanges()
    const counts: number[] = []
    pending.count$.subscribe((n) => counts.push(n))
    pending.mark('schedules', ['a'])
    pending.mark('overrides', ['a'])
    pending.settle('schedules', ['a'])
    expect(counts).toEqual([0, 1, 2, 1])
  })
})

describe('sustained activity', () => {
  it('shows activity only once it has lasted, and its end at once', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
      ({ cold, expectObservable }) => {
        // A 2 ms blip is never shown; activity lasting past 5 ms is shown at 5 ms and its end at once.
        const active = cold('f 9ms t 1ms f 9ms t 9ms f', { t: true, f: false })
        const shown = sustained(active, 5)
        expectObservable(shown).toBe('f 26ms t 4ms f', { t: true, f: false })
      },
    )
  })
})
