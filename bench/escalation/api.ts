/** A small JSON client for setting a benchmark up through Vigil's real HTTP API. */

/** An answer: status and parsed JSON body (or the text when it is not JSON). */
export interface ApiAnswer {
  status: number
  body: Record<string, unknown> & { data?: unknown }
}

/** One request with a hard 30 s limit. */
export async function api(
  base: string,
  method: string,
  path: string,
  auth: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  try {
    return { status: res.status, body: JSON.parse(text) as ApiAnswer['body'] }
  } catch {
    return { status: res.status, body: { text } }
  }
}

/** Like api(), but throws (with the answer) unless the status is the expected one; returns `data`. */
export async function must<T>(
  base: string,
  method: string,
  path: string,
  auth: string,
  body: unknown,
  expect: number,
): Promise<T> {
  const r = await api(base, method, path, auth, body)
  if (r.status !== expect) {
    throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}`)
  }
  return r.body.data as T
}

/** A session token from POST /api/v1/auth/login. */
export async function login(base: string, username: string, password: string): Promise<string> {
  const data = await must<{ token?: string }>(
    base,
    'POST',
    '/api/v1/auth/login',
    '',
    { username, password },
    200,
  )
  if (!data?.token) throw new Error('login answered 200 without a token')
  return data.token
}
