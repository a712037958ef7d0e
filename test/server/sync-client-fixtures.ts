// Valid replicated documents for the sync-client suites (core/sync/documents.ts shapes).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import { Server } from 'socket.io'
import type { AlertDoc, ScheduleDoc } from '../../core/sync/documents'
import {
  type SyncDocument as ProtocolDocument,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type StreamMessage,
  SYNC_COLLECTIONS,
  SYNC_EVENTS,
  type SyncCollection,
  type SyncResult,
} from '../../core/sync/protocol'
import { TEST_OWNER } from '../support/server'

/** The POST /v2/schedules body of a weekly Berlin schedule with the test owner on call, owned by `teamId`. */
export function weeklyScheduleBody(name: string, teamId: string) {
  return {
    name,
    description: 'before',
    timezone: 'Europe/Berlin',
    ownerTeam: { id: teamId },
    rotations: [
      {
        name: 'weekly',
        startDate: '2026-03-27T09:00:00+01:00',
        type: 'weekly',
        length: 1,
        participants: [{ type: 'user', username: TEST_OWNER.email }],
      },
    ],
  }
}

/** An open alert document as the server would publish it. */
export function alertDoc(id: string, overrides: Partial<AlertDoc> = {}): AlertDoc {
  return {
    id,
    _deleted: false,
    tinyId: id.slice(-4),
    teamId: 'team-1',
    alias: id,
    message: `alert ${id}`,
    description: '',
    status: 'open',
    acknowledged: false,
    isSeen: false,
    snoozed: false,
    count: 1,
    priority: 'P3',
    source: 'test',
    entity: '',
    owner: '',
    tags: [],
    details: {},
    actions: [],
    responders: [],
    visibleTo: [],
    acknowledgedBy: '',
    closedBy: '',
    createdAt: Date.UTC(2026, 10, 1),
    updatedAt: Date.UTC(2026, 10, 1),
    lastOccurredAt: Date.UTC(2026, 10, 1),
    ...overrides,
  }
}

/** A schedule with one weekly rotation. */
export function scheduleDoc(id: string, overrides: Partial<ScheduleDoc> = {}): ScheduleDoc {
  return {
    id,
    _deleted: false,
    name: `schedule ${id}`,
    description: '',
    timezone: 'Europe/Berlin',
    enabled: true,
    teamId: 'team-1',
    rotations: [
      {
        id: 'rot-1',
        name: 'weekly',
        type: 'weekly',
        length: 1,
        startDate: '2026-03-01T09:00',
        participants: [{ type: 'user', id: 'u1' }],
      },
    ],
    ...overrides,
  }
}

/** A document as this test server stores it: any fields, plus the protocol's id and _deleted. */
type SyncDocument = ProtocolDocument & Record<string, any>

/**
 * A small, real Socket.IO server that speaks core/sync/protocol.ts with an in-memory master, for testing
 * the client's wiring independently of server/sync: seq checkpoints, assumed-state checks, rejections
 * (a schedule named 'FORBIDDEN' and any pull-only collection), commands applied once, stream + RESYNC.
 */
export interface ProtocolServer {
  url: string
  io: Server
  /** Writes a document as the server (a new seq, streamed to every client). */
  write(collection: SyncCollection, doc: SyncDocument): void
  get(collection: SyncCollection, id: string): SyncDocument | undefined
  /** How many times each command id was applied. */
  applied: Map<string, number>
  pushes: PushRequest<SyncDocument>[]
  /** Sends a desktop notification to every client; resolves with their receipts. */
  notify(message: unknown): Promise<unknown[]>
  /** The data as it is now. */
  readonly master: ProtocolMaster
  close(): Promise<void>
}

/** The master's data, to start a server again where the last one stopped. */
export interface ProtocolMaster {
  seq: number
  tables: Map<SyncCollection, Map<string, { doc: SyncDocument; seq: number }>>
}

export async function startProtocolServer(
  token: string,
  port = 0,
  master: ProtocolMaster = { seq: 0, tables: new Map() },
): Promise<ProtocolServer> {
  const http = createServer()
  const io = new Server(http)
  let seq = master.seq
  const tables = master.tables
  const table = (c: SyncCollection) => {
    const t = tables.get(c) ?? new Map<string, { doc: SyncDocument; seq: number }>()
    tables.set(c, t)
    return t
  }
  const applied = new Map<string, number>()
  const pushes: PushRequest<SyncDocument>[] = []

  const write = (collection: SyncCollection, doc: SyncDocument) => {
    seq += 1
    table(collection).set(doc.id, { doc: structuredClone(doc), seq })
    io.emit(SYNC_EVENTS.stream, { collection, documents: [doc], checkpoint: { seq } } satisfies StreamMessage)
  }

  io.use((socket, next) =>
    socket.handshake.auth?.token === token ? next() : next(new Error('unauthorized')),
  )
  io.on('connection', (socket) => {
    for (const collection of SYNC_COLLECTIONS) socket.emit(SYNC_EVENTS.stream, { collection, resync: true })
    socket.on(SYNC_EVENTS.pull, (req: PullRequest, ack: (r: SyncResult<PullResponse>) => void) => {
      const after = req.checkpoint?.seq ?? 0
      const rows = [...table(req.collection).values()]
        .filter((r) => r.seq > after)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, req.batchSize)
      const last = rows.at(-1)
      ack({
        ok: true,
        value: { documents: rows.map((r) => r.doc), checkpoint: last ? { seq: last.seq } : req.checkpoint },
      })
    })
    socket.on(
      SYNC_EVENTS.push,
      (req: PushRequest<SyncDocument>, ack: (r: SyncResult<PushResponse<SyncDocument>>) => void) => {
        pushes.push(structuredClone(req))
        const conflicts: SyncDocument[] = []
        const rejected: PushResponse<SyncDocument>['rejected'] = []
        const toWrite: SyncDocument[] = []
        for (const { assumedMasterState: a, newDocumentState: n } of req.rows) {
          const master = table(req.collection).get(n.id)?.doc
          if (master && isDeepStrictEqual(master, n)) continue // a retry of what was applied
          if (!['schedules', 'alertCommands'].includes(req.collection) || n.name === 'FORBIDDEN') {
            rejected.push({ id: n.id, reason: `not allowed to change ${req.collection} ${n.id}` })
            if (master) conflicts.push(master)
            continue
          }
          const fits = master ? a !== undefined && isDeepStrictEqual(master, a) : a === undefined
          if (!fits) {
            if (master) conflicts.push(master)
            continue
          }
          toWrite.push(n)
        }
        ack({ ok: true, value: { conflicts, rejected } })
        for (const doc of toWrite) {
          write(req.collection, doc)
          if (req.collection === 'alertCommands' && doc.status === 'pending') applyCommand(doc)
        }
      },
    )
  })

  function applyCommand(command: SyncDocument) {
    const id = command.id
    applied.set(id, (applied.get(id) ?? 0) + 1)
    const alertId = String(command.alertId)
    const alert = table('alerts').get(alertId)?.doc
    if (alert && command.action === 'acknowledge') write('alerts', { ...alert, acknowledged: true })
    write('alertCommands', { ...command, status: 'applied', processedAt: 1 })
  }

  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve))
  const address = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    io,
    write,
    get: (c, id) => table(c).get(id)?.doc,
    applied,
    pushes,
    notify: (message) => io.timeout(5_000).emitWithAck(SYNC_EVENTS.notify, message),
    get master() {
      return { seq, tables }
    },
    async close() {
      io.disconnectSockets(true)
      await io.close()
    },
  }
}
