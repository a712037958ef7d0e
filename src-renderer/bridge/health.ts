// Server reachability for the status line. A wallboard must say "unreachable" quickly rather than hang,
// hence the timeout.

export type HealthState = { state: 'checking' } | { state: 'ok' } | { state: 'unreachable'; reason: string }

export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; cache: 'no-store' },
) => Promise<{
  ok: boolean
  status: number
}>

export const HEALTH_TIMEOUT_MS = 5000
export const HEALTH_INTERVAL_MS = 10_000

/** GETs `${serverUrl}/health`: 2xx is ok, anything else (status, network, timeout) is unreachable. */
export async function checkHealth(
  serverUrl: string,
  fetchFn: FetchLike = (url, init) => fetch(url, init),
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<HealthState> {
  try {
    const res = await fetchFn(`${serverUrl}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    })
    return res.ok ? { state: 'ok' } : { state: 'unreachable', reason: `HTTP ${res.status}` }
  } catch (err) {
    const name = (err as Error)?.name
    const reason = name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : 'network error'
    return { state: 'unreachable', reason }
  }
}
