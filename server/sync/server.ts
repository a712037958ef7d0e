/**
 * Socket.IO on the app's HTTP server: the replication endpoint (issue 4 §2). Handshake authentication with
 * a session token, pull and push per collection (acknowledged with a SyncResult, never a thrown error),
 * the change stream through rooms, RESYNC on every connection, back-pressure, and on PostgreSQL the
 * Postgres adapter so rooms and acknowledgements span instances.
 */
import type { Server as HttpServer } from 'node:http'
import { createAdapter } from '@socket.io/postgres-adapter'
import pg from 'pg'
import { Server, type Socket } from 'socket.io'
import { MAX_MESSAGE_BYTES, STREAM_BATCH_AUTH, SYNC_EVENTS, type SyncResult } from '../../core/sync/protocol'
import type { DesktopGateway } from '../channels/desktop'
import type { AppContext } from '../context'
import { classOf, isAdmin, roomsOf, type Viewer } from './access'
import { type BackPressureLimits, checkSocket, DEFAULT_LIMITS } from './backpressure'
import { recoverCommands } from './commands'
import { type AttachableGateway, createDesktopGateway } from './desktop-gateway'
import { classRoom, publishResync, publishTick, Registry, resyncMessages, viewerRoom } from './fanout'
import { ChangeFeed } from './feed'
import { pull } from './pull'
import { push } from './push'
import { parsePull } from './requests'
import { SessionGuard, type SocketState, viewerOf } from './session-guard'
import { syncDb } from './tables'

export interface SyncOptions {
  /** The gateway delivery already holds; attached to this server's Socket.IO instance. */
  desktop?: AttachableGateway
  /** How often the change feed polls the committed sequence (ms). */
  pollMs?: number
  /** How often idle sockets' sessions are re-checked (ms). */
  sessionCheckMs?: number
  limits?: Partial<BackPressureLimits>
}

export interface SyncServer {
  io: Server
  /** Reaches users' desktop apps over their sockets, on any instance. */
  desktop: DesktopGateway
  /** Polls for changes now (after a write on this instance). */
  kick(): void
  close(): Promise<void>
}

type Ack = (result: SyncResult<unknown>) => void

const fail = (
  code: 'unauthorized' | 'invalid' | 'too-large' | 'unavailable' | 'forbidden',
  message: string,
) => ({ ok: false, error: { code, message } }) as const

/** Attaches the sync endpoint to the HTTP server and starts its change feed. */
export async function startSync(
  ctx: AppContext,
  http: HttpServer,
  opts: SyncOptions = {},
): Promise<SyncServer> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits }
  const db = syncDb(ctx.store.db)
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    // Authentication is an explicit token, never a cookie, so any origin (the Electron app's) may connect.
    cors: { origin: true },
  })

  let pool: pg.Pool | undefined
  if (ctx.store.dialect === 'postgres' && ctx.store.databaseUrl) {
    pool = new pg.Pool({ connectionString: ctx.store.databaseUrl, max: 3 })
    pool.on('error', () => {})
    // NOTIFY channels are database-wide: instances of one schema share a channel, other schemas do not.
    const schema = (await pool.query<{ s: string }>('select current_schema() as s')).rows[0]?.s ?? 'public'
    io.adapter(
      createAdapter(pool, {
        channelPrefix: `vigil_${schema}`,
        errorHandler: (err) => ctx.logger.warn({ err }, 'socket.io postgres adapter error'),
      }),
    )
  }

  const registry = new Registry()
  const batched = (socket: Socket) => (socket.data as SocketState).batch === true
  const join = (socket: Socket, v: Viewer) => {
    const cls = classOf(v)
    const batch = batched(socket)
    registry.add(v.userId, cls, isAdmin(v), v.teams.keys(), batch)
    socket.join([...roomsOf(v), classRoom(cls, batch), viewerRoom(v.userId, cls, batch)])
  }
  const leave = (socket: Socket, v: Viewer) => {
    const cls = classOf(v)
    const batch = batched(socket)
    registry.remove(v.userId, cls, batch)
    for (const room of [...roomsOf(v), classRoom(cls, batch), viewerRoom(v.userId, cls, batch)])
      socket.leave(room)
  }
  const guard = new SessionGuard(io, ctx.auth, (socket, before, after) => {
    if (classOf(before) === classOf(after) && before.userId === after.userId) return
    leave(socket, before)
    join(socket, after)
    for (const msg of resyncMessages()) socket.emit(SYNC_EVENTS.stream, msg)
  })

  const checkAll = () => {
    for (const s of io.of('/').sockets.values()) checkSocket(s, limits)
  }
  const feed = new ChangeFeed(
    db,
    {
      tick(parts, mark) {
        publishTick(io, registry, parts, mark)
        checkAll()
      },
      resync(collection) {
        publishResync(io, collection)
        checkAll()
      },
    },
    ctx.logger,
    opts.pollMs ?? 5,
    () => ctx.store.sync(),
    () => registry.classes.size > 0,
  )

  io.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as Record<string, unknown> | undefined
      const token = auth?.token
      const v = await viewerOf(ctx.auth, token)
      if (typeof v === 'string') {
        next(Object.assign(new Error(v), { data: { code: 'unauthorized', message: v } }))
        return
      }
      const state: SocketState = {
        token: token as string,
        viewer: v,
        batch: auth?.[STREAM_BATCH_AUTH] === true,
      }
      Object.assign(socket.data, state)
      next()
    } catch (err) {
      ctx.logger.warn({ err }, 'sync handshake failed')
      next(Object.assign(new Error('unavailable'), { data: { code: 'unavailable', message: 'try again' } }))
    }
  })

  io.on('connection', (socket) => {
    const state = socket.data as SocketState
    join(socket, state.viewer)
    socket.on('disconnect', () => leave(socket, (socket.data as SocketState).viewer))
    // Whatever was streamed while this client was away is lost: it pulls from its checkpoint.
    for (const msg of resyncMessages()) socket.emit(SYNC_EVENTS.stream, msg)

    socket.on(SYNC_EVENTS.pull, async (body: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return
      const reply = ack as Ack
      try {
        const v = await guard.check(socket)
        if (typeof v === 'string') return reply(fail('unauthorized', v))
        const req = parsePull(body)
        if (!req.ok) return reply(fail('invalid', req.message))
        // Hand out only durable documents and checkpoints (see feed.ts): the fsync covering what is read,
        // unless the feed already waited for one past it (a catch-up's older pages).
        const value = await pull(db, v, req.value, async (upTo) => {
          if (upTo > feed.durableMark()) await ctx.store.sync()
        })
        reply({ ok: true, value })
      } catch (err) {
        ctx.logger.warn({ err }, 'sync pull failed')
        reply(fail('unavailable', 'The server could not answer; try again'))
      }
    })

    socket.on(SYNC_EVENTS.push, async (body: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return
      const reply = ack as Ack
      try {
        const v = await guard.check(socket)
        if (typeof v === 'string') return reply(fail('unauthorized', v))
        const result = await push(ctx, v, body)
        // Answered at once, not after the WAL fsync as an HTTP write is: the pusher must get its answer
        // before the stream carries the written (possibly server-stamped) document back; when the stream
        // came first the replica kept its pushed state over the stamped one (sync-conflict-who.test.ts).
        // The stream itself waits for the fsync (feed.ts), so no client gets a checkpoint past a lost write.
        reply(result)
        if (result.ok) feed.kick()
      } catch (err) {
        ctx.logger.warn({ err }, 'sync push failed')
        reply(fail('unavailable', 'The server could not answer; try again'))
      }
    })
  })

  // A logout, revocation or membership change on this instance disconnects or moves sockets at once.
  const forget = ctx.auth.forgetSession.bind(ctx.auth)
  ctx.auth.forgetSession = (sessionId: string) => {
    forget(sessionId)
    guard.checkSession(sessionId)
  }
  guard.start(opts.sessionCheckMs ?? 5_000)
  await feed.start()
  // Writes through this instance's writer are streamed without waiting for the next poll.
  ctx.writer.onCommit(() => feed.kick())
  const desktop = opts.desktop ?? createDesktopGateway()
  desktop.attach(io)
  // Commands a crash or restart left between recorded and applied (exactly once, see commands.ts).
  void recoverCommands(ctx).catch((err) => ctx.logger.warn({ err }, 'alert command recovery failed'))

  return {
    io,
    desktop,
    kick: () => feed.kick(),
    async close() {
      desktop.attach(undefined)
      guard.stop()
      await feed.stop()
      io.local.disconnectSockets(true)
      // Not io.close(): Fastify owns (and closes) the HTTP server; this closes engine.io and the adapter.
      io.engine.close()
      await new Promise<void>((resolve) => {
        const adapter = io.of('/').adapter as { close?: () => unknown }
        Promise.resolve(adapter.close?.()).finally(() => resolve())
      })
      await pool?.end().catch(() => {})
    },
  }
}
