/**
 * Reads integer settings from the environment: unset or empty gives the default, anything else must be an
 * integer within [min, max] or the problem is appended to `errors` (so every problem is reported at once).
 */
export function envIntReader(
  env: NodeJS.ProcessEnv,
  errors: string[],
): (name: string, fallback: number, min: number, max: number) => number {
  return (name, fallback, min, max) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push(`${name} must be an integer from ${min} to ${max} (got '${raw}')`)
      return fallback
    }
    return n
  }
}
