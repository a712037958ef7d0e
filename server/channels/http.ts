import { errorText, type SendResult } from './channel'
import { nonPublicCause } from './destination'

/** HTTP status -> outcome: 2xx ok, 408/429/5xx temporary (try again later), any other 4xx permanent. */
export function classifyStatus(status: number): 'ok' | 'temporary' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok'
  if (status === 408 || status === 429 || status >= 500) return 'temporary'
  return 'permanent'
}

/** The part of fetch that postForResult uses. */
export type PostFetch = (
  url: string,
  init: {
    method: 'POST'
    headers: Record<string, string>
    body: string
    signal: AbortSignal
    redirect: 'manual'
  },
) => Promise<Response>

/**
 * POSTs a body and maps the answer to a SendResult; a timeout or network error is temporary. The
 * provider's answer (status and the start of its body) is kept for the delivery row.
 */
export async function postForResult(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
  describe: (status: number, text: string) => string = (s, t) =>
    `HTTP ${s}${t ? `: ${t.slice(0, 200)}` : ''}`,
  /** The HTTP client; global fetch by default (webhooks pass one that refuses non-public addresses). */
  send: PostFetch = fetch,
): Promise<SendResult & { status?: number; text?: string }> {
  let res: Response
  try {
    res = await send(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
  } catch (err) {
    const refused = nonPublicCause(err)
    if (refused) return { ok: false, error: 'permanent', message: `refused: ${refused.message}` }
    const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')
    return {
      ok: false,
      error: 'temporary',
      message: timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : errorText(err),
    }
  }
  const text = await res.text().catch(() => '')
  const providerResponse = `${res.status} ${text}`.trim().slice(0, 1000)
  const kind = classifyStatus(res.status)
  if (kind === 'ok') return { ok: true, providerResponse, status: res.status, text }
  return {
    ok: false,
    error: kind,
    message: describe(res.status, text),
    providerResponse,
    status: res.status,
    text,
  }
}
