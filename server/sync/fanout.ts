/**
 * Streams committed changes to this instance's sockets. Each socket sits in one visibility-class room
 * (`c:<class>`: the same teams and role see the same team documents) and one viewer room
 * (`v:<user>:<class>`, for the user's own `me` and `alertCommands`). Every tick of the change feed sends
 * each room at most ONE message per collection, holding every change in (previous mark, mark] its sockets
 * may see, with the mark as checkpoint: a checkpoint never passes a change the socket has not been sent.
 * Messages are encoded once per room, not once per socket.
 */
import type { Server } from 'socket.io'
import type { StreamMessage, SyncCollection } from '../../core/sync/protocol'
import { SYNC_COLLECTIONS, SYNC_EVENTS } from '../../core/sync/protocol'
import type { Audience } from './access'
import type { Change } from './sources/source'

/** Collections whose documents belong to one user (streamed through viewer rooms). */
export const USER_COLLECTIONS: ReadonlySet<SyncCollection> = new Set<SyncCollection>(['me', 'alertCommands'])

/** Sockets past their buffer limit sit in this room and receive no stream until they drain. */
export const ROOM_STALLED = 'stalled'

interface ClassEntry {
  admin: boolean
  teams: ReadonlySet<string>
  sockets: number
}

/** The visibility classes and viewers connected to this instance, counted by socket. */
export class Registry {
  readonly classes = new Map<string, ClassEntry>()
  /** user id -> class -> sockets */
  readonly viewers = new Map<string, Map<string, number>>()

  /** Counts a socket of this user and class in. */
  add(userId: string, cls: string, admin: boolean, teams: Iterable<string>): void {
    const entry = this.classes.get(cls)
    if (entry) entry.sockets++
    else this.classes.set(cls, { admin, teams: new Set(teams), sockets: 1 })
    const mine = this.viewers.get(userId) ?? new Map<string, number>()
    mine.set(cls, (mine.get(cls) ?? 0) + 1)
    this.viewers.set(userId, mine)
  }

  /** Counts a socket out. */
  remove(userId: string, cls: string): void {
    const entry = this.classes.get(cls)
    if (entry && --entry.sockets <= 0) this.classes.delete(cls)
    const mine = this.viewers.get(userId)
    if (!mine) return
    const n = (mine.get(cls) ?? 0) - 1
    if (n <= 0) mine.delete(cls)
    else mine.set(cls, n)
    if (mine.size === 0) this.viewers.delete(userId)
  }
}

/** The room of a visibility class. */
export const classRoom = (cls: string) => `c:${cls}`
/** The room of one user's sockets of one class. */
export const viewerRoom = (userId: string, cls: string) => `v:${userId}:${cls}`

function classSees(entry: ClassEntry, a: Audience): boolean {
  if (a.kind === 'all') return true
  if (a.kind === 'user') return false
  return entry.admin || entry.teams.has(a.teamId)
}

/** Sends a tick's changes of one collection to the local rooms that may see them. */
export function publish(
  io: Server,
  registry: Registry,
  collection: SyncCollection,
  changes: readonly Change[],
  mark: number,
): void {
  const send = (room: string, documents: Change['doc'][], scope: string) => {
    const msg: StreamMessage = { collection, documents, checkpoint: { seq: mark, scope } }
    io.local.to(room).except(ROOM_STALLED).emit(SYNC_EVENTS.stream, msg)
  }
  if (USER_COLLECTIONS.has(collection)) {
    const byUser = new Map<string, Change['doc'][]>()
    for (const c of changes) {
      if (c.audience.kind !== 'user') continue
      const list = byUser.get(c.audience.userId) ?? []
      list.push(c.doc)
      byUser.set(c.audience.userId, list)
    }
    for (const [userId, docs] of byUser) {
      for (const cls of registry.viewers.get(userId)?.keys() ?? []) send(viewerRoom(userId, cls), docs, cls)
    }
    return
  }
  for (const [cls, entry] of registry.classes) {
    const docs = changes.filter((c) => classSees(entry, c.audience)).map((c) => c.doc)
    if (docs.length) send(classRoom(cls), docs, cls)
  }
}

/** Tells sockets to pull from their checkpoint: one collection, or all of them. */
export function resyncMessages(collection?: SyncCollection): StreamMessage[] {
  return (collection ? [collection] : SYNC_COLLECTIONS).map((c) => ({ collection: c, resync: true as const }))
}

/** Sends RESYNC for one collection to every local socket (a burst too large to stream). */
export function publishResync(io: Server, collection: SyncCollection): void {
  for (const msg of resyncMessages(collection)) io.local.except(ROOM_STALLED).emit(SYNC_EVENTS.stream, msg)
}
