/**
 * Streams committed changes to this instance's sockets. Each socket sits in one visibility-class room
 * (`c:<class>`: the same teams and role see the same team documents) and one viewer room
 * (`v:<user>:<class>`, for the user's own `me` and `alertCommands`). Every tick of the change feed sends
 * each room at most ONE message per collection, holding every change in (previous mark, mark] its sockets
 * may see, with the mark as checkpoint: a checkpoint never passes a change the socket has not been sent.
 * Messages are encoded once per room, not once per socket. Sockets that asked for batches in the
 * handshake sit in the batch variants of those rooms (`cb:`, `vb:`) and get the tick's messages for their
 * room as ONE `sync:streams` packet: an alert and its log entries then cost one packet per socket, not two.
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

/** Sockets of one room, by how they take the stream. */
interface Counts {
  /** One `sync:stream` packet per collection. */
  single: number
  /** One `sync:streams` packet per tick. */
  batch: number
}

interface ClassEntry extends Counts {
  admin: boolean
  teams: ReadonlySet<string>
}

const count = (c: Counts, batch: boolean, by: number) => {
  if (batch) c.batch += by
  else c.single += by
}
const empty = (c: Counts) => c.single <= 0 && c.batch <= 0

/** The visibility classes and viewers connected to this instance, counted by socket. */
export class Registry {
  readonly classes = new Map<string, ClassEntry>()
  /** user id -> class -> sockets */
  readonly viewers = new Map<string, Map<string, Counts>>()

  /** Counts a socket of this user and class in. */
  add(userId: string, cls: string, admin: boolean, teams: Iterable<string>, batch = false): void {
    let entry = this.classes.get(cls)
    if (!entry) {
      entry = { admin, teams: new Set(teams), single: 0, batch: 0 }
      this.classes.set(cls, entry)
    }
    count(entry, batch, 1)
    const mine = this.viewers.get(userId) ?? new Map<string, Counts>()
    const n = mine.get(cls) ?? { single: 0, batch: 0 }
    count(n, batch, 1)
    mine.set(cls, n)
    this.viewers.set(userId, mine)
  }

  /** Counts a socket out. */
  remove(userId: string, cls: string, batch = false): void {
    const entry = this.classes.get(cls)
    if (entry) {
      count(entry, batch, -1)
      if (empty(entry)) this.classes.delete(cls)
    }
    const mine = this.viewers.get(userId)
    const n = mine?.get(cls)
    if (!mine || !n) return
    count(n, batch, -1)
    if (empty(n)) mine.delete(cls)
    if (mine.size === 0) this.viewers.delete(userId)
  }
}

/** The room of a visibility class. */
export const classRoom = (cls: string, batch = false) => `${batch ? 'cb' : 'c'}:${cls}`
/** The room of one user's sockets of one class. */
export const viewerRoom = (userId: string, cls: string, batch = false) =>
  `${batch ? 'vb' : 'v'}:${userId}:${cls}`

function classSees(entry: ClassEntry, a: Audience): boolean {
  if (a.kind === 'all') return true
  if (a.kind === 'user') return false
  return entry.admin || entry.teams.has(a.teamId)
}

/** One collection's changes of a feed tick. */
export interface TickPart {
  collection: SyncCollection
  changes: readonly Change[]
}

/** Sends one room its messages of a tick: per collection to single sockets, all at once to batch ones. */
function sendRoom(io: Server, rooms: [string, string], counts: Counts, messages: StreamMessage[]): void {
  if (!messages.length) return
  if (counts.single > 0) {
    const to = io.local.to(rooms[0]).except(ROOM_STALLED)
    for (const msg of messages) to.emit(SYNC_EVENTS.stream, msg)
  }
  if (counts.batch > 0) io.local.to(rooms[1]).except(ROOM_STALLED).emit(SYNC_EVENTS.streams, messages)
}

/** Sends a tick's changes (every collection that changed) to the local rooms that may see them. */
export function publishTick(io: Server, registry: Registry, parts: readonly TickPart[], mark: number): void {
  const team = parts.filter((p) => !USER_COLLECTIONS.has(p.collection))
  if (team.length) {
    for (const [cls, entry] of registry.classes) {
      const messages: StreamMessage[] = []
      for (const { collection, changes } of team) {
        const documents = changes.filter((c) => classSees(entry, c.audience)).map((c) => c.doc)
        if (documents.length) messages.push({ collection, documents, checkpoint: { seq: mark, scope: cls } })
      }
      sendRoom(io, [classRoom(cls), classRoom(cls, true)], entry, messages)
    }
  }
  // user id -> class -> messages, in the order of `parts`
  const byViewer = new Map<string, Map<string, StreamMessage[]>>()
  for (const { collection, changes } of parts) {
    if (!USER_COLLECTIONS.has(collection)) continue
    const byUser = new Map<string, Change['doc'][]>()
    for (const c of changes) {
      if (c.audience.kind !== 'user') continue
      const list = byUser.get(c.audience.userId) ?? []
      list.push(c.doc)
      byUser.set(c.audience.userId, list)
    }
    for (const [userId, documents] of byUser) {
      for (const cls of registry.viewers.get(userId)?.keys() ?? []) {
        const mine = byViewer.get(userId) ?? new Map<string, StreamMessage[]>()
        byViewer.set(userId, mine)
        const list = mine.get(cls) ?? []
        mine.set(cls, list)
        list.push({ collection, documents, checkpoint: { seq: mark, scope: cls } })
      }
    }
  }
  for (const [userId, mine] of byViewer) {
    for (const [cls, messages] of mine) {
      const counts = registry.viewers.get(userId)?.get(cls)
      if (counts) sendRoom(io, [viewerRoom(userId, cls), viewerRoom(userId, cls, true)], counts, messages)
    }
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
