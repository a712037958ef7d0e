/**
 * Ordered lists stored as 0…n-1 positions (routing rules, alert policies, notification rules): moving an
 * item, and working out which stored positions must change so that only those rows are written.
 */

/** `ids` with `id` moved to `order` (clamped to the end); `id` is added if it was not there. */
export function moveTo(ids: readonly string[], id: string, order: number): string[] {
  const rest = ids.filter((x) => x !== id)
  rest.splice(Math.max(0, Math.min(order, rest.length)), 0, id)
  return rest
}

/** The (id, position) pairs whose stored position differs from their index in `ids`. */
export function positionChanges(
  current: ReadonlyMap<string, number>,
  ids: readonly string[],
): Array<{ id: string; position: number }> {
  const out: Array<{ id: string; position: number }> = []
  for (const [position, id] of ids.entries()) if (current.get(id) !== position) out.push({ id, position })
  return out
}
