import { randomUUID } from 'node:crypto'

/**
 * A new UUID version 7 for the instant `nowMs`: 48 bits of milliseconds, then random bits. Time-ordered
 * ids append to the right edge of B-tree indexes instead of landing on random pages, so a group commit
 * dirties far fewer pages than random v4 ids would. Built on randomUUID, whose entropy Node pools: far
 * cheaper per call than filling a fresh random buffer.
 */
export function newId(nowMs: number): string {
  const r = randomUUID()
  const ts = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12)
  // r is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with the RFC 9562 variant already in V.
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${r.slice(15)}`
}
