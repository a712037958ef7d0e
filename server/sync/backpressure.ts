/**
 * Back-pressure: a socket that does not read (a stalled laptop, a slow link) must not make the server
 * buffer without bound nor hold others up. Stream messages are broadcast to rooms `except(stalled)`, so a
 * stalled socket simply receives nothing more; when its transport has drained it leaves the room and gets
 * RESYNC for every collection, and pulls what it missed. A socket whose buffer still grows past the hard
 * limit (its own requests' answers) is disconnected; the client reconnects and resyncs.
 */
import type { Socket } from 'socket.io'
import { SYNC_EVENTS } from '../../core/sync/protocol'
import { ROOM_STALLED, resyncMessages } from './fanout'

export interface BackPressureLimits {
  /** Packets waiting in a socket's buffer past which it stops receiving the stream. */
  maxBuffered: number
  /** Packets past which the socket is disconnected. */
  maxBufferedHard: number
}

export const DEFAULT_LIMITS: BackPressureLimits = { maxBuffered: 200, maxBufferedHard: 2000 }

/** Packets engine.io holds for the socket because its transport is not writable. */
export function buffered(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0
}

/** Checks one socket after the stream wrote to it; marks it stalled or disconnects it. */
export function checkSocket(socket: Socket, limits: BackPressureLimits): void {
  const n = buffered(socket)
  if (n > limits.maxBufferedHard) {
    socket.disconnect(true)
    return
  }
  if (n <= limits.maxBuffered || socket.rooms.has(ROOM_STALLED)) return
  socket.join(ROOM_STALLED)
  const onDrain = () => {
    if (buffered(socket) > 0) return
    socket.conn.off('drain', onDrain)
    socket.leave(ROOM_STALLED)
    for (const msg of resyncMessages()) socket.emit(SYNC_EVENTS.stream, msg)
  }
  socket.conn.on('drain', onDrain)
}
