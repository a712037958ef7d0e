import { v7 } from 'uuid'

/**
 * A new UUID (version 7). Time-ordered ids append to the right edge of B-tree indexes instead of
 * landing on random pages, so each group commit dirties far fewer pages than random v4 ids would.
 */
export function newId(): string {
  return v7()
}
