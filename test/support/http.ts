/** A tiny JSON client for tests: real HTTP over loopback, no mocks. */
export interface Reply<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
}

/** Sends a request with an Authorization header and a JSON body; parses whatever comes back. */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  opts: { auth?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.auth) headers.authorization = opts.auth
  let body: string | undefined
  if (opts.raw !== undefined) body = opts.raw
  else if (opts.body !== undefined) body = JSON.stringify(opts.body)
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json'
  const res = await fetch(base + path, { method, headers, body })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = { __text: text }
  }
  return { status: res.status, headers: res.headers, body: parsed as T }
}

/** Returns a client bound to a base URL and an Authorization value. */
export function client(base: string, auth: string) {
  return <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    call<T>(base, method, path, { auth, body })
}
