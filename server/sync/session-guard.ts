/**
 * Keeps every socket's principal current: re-authenticates on each request (cheap: the authenticator
 * caches), every few seconds for idle sockets, and at once when a session is forgotten (logout, revocation,
 * a change to the user or their teams). An expired or revoked session disconnects the socket; a changed
 * role or team set moves it to its new rooms and sends RESYNC.
 */
import type { Server, Socket } from 'socket.io'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import type { Authenticator } from '../auth/authenticate'
import type { Viewer } from './access'

/** What the guard stores on each socket. */
export interface SocketState {
  token: string
  viewer: Viewer
  /** The client takes the stream as one `sync:streams` packet per tick (handshake STREAM_BATCH_AUTH). */
  batch?: boolean
}

/** Resolves a session token to its viewer, or the reason it is refused. */
export async function viewerOf(auth: Authenticator, token: unknown): Promise<Viewer | string> {
  if (typeof token !== 'string' || token === '') return 'A session token is required (auth.token)'
  const r = await auth.authenticate(`Bearer ${token}`)
  if ('status' in r) return r.message
  if (r.kind !== 'user') return 'Only user sessions can replicate'
  return r
}

/** Re-checks sockets' sessions: per request, periodically, and when the authenticator forgets one. */
export class SessionGuard {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly io: Server,
    private readonly auth: Authenticator,
    /** Called when a socket's viewer changed class (teams or role); the server moves its rooms. */
    private readonly moved: (socket: Socket, before: Viewer, after: Viewer) => void,
  ) {}

  /** The socket's viewer now, or why its session is over (the socket is then dropped). */
  async check(socket: Socket): Promise<Viewer | string> {
    const state = socket.data as SocketState
    const now = await viewerOf(this.auth, state.token)
    if (typeof now === 'string') {
      // After the current tick, so a request that found out gets its answer first.
      setImmediate(() => {
        socket.emit(SYNC_EVENTS.error, { code: 'unauthorized', message: now })
        socket.disconnect(true)
      })
      return now
    }
    const before = state.viewer
    state.viewer = now
    if (before !== now) this.moved(socket, before, now)
    return now
  }

  /** Re-checks the sockets of one session (after the authenticator forgot it). */
  checkSession(sessionId: string): void {
    // After the caller's commit: forgetSession runs right after the write that caused it.
    setImmediate(() => {
      for (const s of this.io.of('/').sockets.values()) {
        if ((s.data as SocketState).viewer?.sessionId === sessionId) void this.check(s).catch(() => {})
      }
    })
  }

  /** Re-checks every local socket every `ms`. */
  start(ms: number): void {
    this.timer = setInterval(() => {
      for (const s of this.io.of('/').sockets.values()) void this.check(s).catch(() => {})
    }, ms)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
