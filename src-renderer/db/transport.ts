/*
 * The app's one Socket.IO connection, as the replications need it: request/acknowledgement calls that
 * wait for the connection instead of failing while it is down (notes/rxdb.md §2: otherwise the first pull
 * fails before the socket connects and RxDB waits a whole retryTime), and that fail at once when the
 * connection drops mid-call, so RxDB retries instead of waiting for a timeout.
 */
import { BehaviorSubject, type Observable } from 'rxjs'
import type { Socket } from 'socket.io-client'
import { SYNC_EVENTS, type SyncResult } from '../../core/sync/protocol'

/** A failed sync call: `code` is the server's SyncErrorCode, or 'offline' / 'timeout' from the transport. */
export class SyncCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`)
    this.name = 'SyncCallError'
  }
}

/** Why the transport is not connected, for the UI: `unauthorized` needs a new sign-in, the rest heal. */
export interface SyncProblem {
  code: string
  message: string
}

export interface SyncTransport {
  readonly socket: Socket
  /** True while the socket is connected. */
  readonly connected$: Observable<boolean>
  /** The last reason the connection failed or ended, until the next successful connect. */
  readonly problem$: Observable<SyncProblem | undefined>
  /** Connects and keeps reconnecting (except after `unauthorized`) until disconnect(). */
  connect(): void
  /** Disconnects and stays offline until connect(). */
  disconnect(): void
  /** Emits the event with an acknowledgement once connected; unwraps the SyncResult or throws SyncCallError. */
  call<T>(event: string, payload: unknown): Promise<T>
  close(): void
}

/** Wraps a (not yet connected) socket; the caller decides when to connect it. */
export function createSyncTransport(
  socket: Socket,
  options: { timeoutMs?: number; retryMs?: number } = {},
): SyncTransport {
  const timeoutMs = options.timeoutMs ?? 20_000
  const retryMs = options.retryMs ?? 5_000
  const connected$ = new BehaviorSubject(socket.connected)
  const problem$ = new BehaviorSubject<SyncProblem | undefined>(undefined)
  let wanted = false
  let sessionEnded = false
  let retry: ReturnType<typeof setTimeout> | undefined
  // Socket.IO retries lost transports itself, but not a refused handshake or a server-side disconnect.
  const retryLater = () => {
    clearTimeout(retry)
    retry = setTimeout(() => {
      if (wanted && !socket.connected) socket.connect()
    }, retryMs)
  }
  const onConnect = () => {
    sessionEnded = false
    problem$.next(undefined)
    connected$.next(true)
  }
  const onDisconnect = (reason: string) => {
    connected$.next(false)
    // The server dropped us (back-pressure, shutdown): come back, unless the session is over.
    if (reason === 'io server disconnect' && wanted && !sessionEnded) retryLater()
  }
  const onConnectError = (err: Error & { data?: { code?: string; message?: string } }) => {
    const code = err.data?.code ?? 'unreachable'
    problem$.next({ code, message: err.data?.message ?? err.message })
    if (code !== 'unauthorized' && !socket.active && wanted) retryLater()
  }
  const onSyncError = (p: SyncProblem) => {
    sessionEnded = p?.code === 'unauthorized'
    problem$.next({ code: String(p?.code ?? 'error'), message: String(p?.message ?? '') })
  }
  socket.on('connect', onConnect)
  socket.on('disconnect', onDisconnect)
  socket.on('connect_error', onConnectError)
  socket.on(SYNC_EVENTS.error, onSyncError)

  const whenConnected = (): Promise<void> =>
    socket.connected ? Promise.resolve() : new Promise((resolve) => socket.once('connect', () => resolve()))

  async function call<T>(event: string, payload: unknown): Promise<T> {
    await whenConnected()
    const result = await new Promise<SyncResult<T>>((resolve, reject) => {
      // A drop mid-call loses the acknowledgement: fail now so RxDB retries after reconnecting.
      const onDrop = () => reject(new SyncCallError('offline', `connection lost during ${event}`))
      socket.once('disconnect', onDrop)
      socket
        .timeout(timeoutMs)
        .emitWithAck(event, payload)
        .then(
          (answer: SyncResult<T>) => resolve(answer),
          () => reject(new SyncCallError('timeout', `${event} got no answer in ${timeoutMs} ms`)),
        )
        .finally(() => socket.off('disconnect', onDrop))
    })
    if (!result || typeof result !== 'object' || !('ok' in result))
      throw new SyncCallError('invalid', `${event}: malformed answer`)
    if (!result.ok) throw new SyncCallError(result.error.code, result.error.message)
    return result.value
  }

  return {
    socket,
    connected$: connected$.asObservable(),
    problem$: problem$.asObservable(),
    call,
    connect() {
      wanted = true
      if (!socket.connected) socket.connect()
    },
    disconnect() {
      wanted = false
      clearTimeout(retry)
      socket.disconnect()
    },
    close() {
      wanted = false
      clearTimeout(retry)
      socket.off('connect', onConnect)
      socket.off('disconnect', onDisconnect)
      socket.off('connect_error', onConnectError)
      socket.off(SYNC_EVENTS.error, onSyncError)
      socket.disconnect()
      connected$.complete()
      problem$.complete()
    },
  }
}
