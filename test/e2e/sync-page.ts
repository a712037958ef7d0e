// The page side of sync.e2e.test.ts: the real client module (src-renderer/db) on Dexie/IndexedDB in
// dev mode (Ajv validation + RxDB dev-mode), bundled by the test with Vite and driven through
// `window.syncPage` from Playwright. The wait* functions resolve on the store's own change events.
import { filter, firstValueFrom, map } from 'rxjs'
import { createVigilDatabase, type VigilDatabase } from '../../src-renderer/db/database'
import type { SyncState, SyncStatus } from '../../src-renderer/db/status'
import { browserStorage } from '../../src-renderer/db/storage'

let vigil: VigilDatabase | undefined
let status: SyncStatus = { state: 'offline', pending: 0 }
const notifications: unknown[] = []

const db = () => {
  if (!vigil) throw new Error('syncPage.start() first')
  return vigil
}
const matches = (doc: Record<string, unknown> | null, want: Record<string, unknown>) =>
  doc !== null && Object.entries(want).every(([k, v]) => JSON.stringify(doc[k]) === JSON.stringify(v))

const api = {
  async start(url: string, token: string, name: string): Promise<void> {
    vigil = await createVigilDatabase({
      storage: browserStorage({ dev: true }),
      url,
      token,
      name,
      retryTime: 200,
    })
    vigil.status$.subscribe((s) => {
      status = s
    })
    vigil.onNotify((m) => notifications.push(m))
  },
  status: (): SyncStatus => status,
  isLeader: () => db().isLeader(),
  /** Resolves when the status is `state` (and, if given, has `pending` local changes). */
  waitForStatus: (state: SyncState, pending?: number): Promise<SyncStatus> =>
    firstValueFrom(
      db().status$.pipe(filter((s) => s.state === state && (pending === undefined || s.pending === pending))),
    ),
  /** Resolves with the alerts of this alias once there is one. */
  waitForAlerts: (alias: string) =>
    firstValueFrom(
      db()
        .db.alerts.find({ selector: { alias } })
        .$.pipe(
          filter((docs) => docs.length > 0),
          map((docs) => docs.map((d) => d.toJSON())),
        ),
    ),
  /** Resolves with the schedule once it has all the given field values. */
  waitForSchedule: (id: string, want: Record<string, unknown> = {}) =>
    firstValueFrom(
      db()
        .db.schedules.findOne(id)
        .$.pipe(
          map((d) => (d ? (d.toJSON() as Record<string, unknown>) : null)),
          filter((d) => matches(d, want)),
        ),
    ),
  async patchSchedule(id: string, patch: Record<string, unknown>): Promise<void> {
    const doc = await db().db.schedules.findOne(id).exec()
    if (!doc) throw new Error(`no schedule ${id} in the page's store`)
    await doc.incrementalPatch(patch)
  },
  conflicts: () => db().issues.conflicts(),
  notifications: () => notifications,
}

declare global {
  interface Window {
    syncPage: typeof api
  }
}
window.syncPage = api
