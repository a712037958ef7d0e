import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { WriteQueueFull } from '../ingest/group-commit'
import { ApiError, fail } from './envelope'

const UNPROCESSABLE = 'Request body is not processable. Please check the errors.'

type AjvError = { instancePath?: string; message?: string; params?: Record<string, unknown> }

/** Turns Ajv's errors into Opsgenie's per-field map: `{ "responders[0].type": "must be string" }`. */
export function validationErrors(errs: AjvError[], context = 'body'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errs) {
    let path = (e.instancePath ?? '')
      .split('/')
      .filter(Boolean)
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
      .join('')
      .replace(/^\./, '')
    const missing = e.params?.missingProperty
    if (typeof missing === 'string') path = path ? `${path}.${missing}` : missing
    const key = path || context
    const message = typeof missing === 'string' ? 'is required' : (e.message ?? 'is invalid')
    out[key] = out[key] ? `${out[key]}; ${message}` : message
  }
  return out
}

/** The app's one error handler: every failure leaves as Opsgenie's JSON error envelope. */
export function handleError(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ApiError) {
    if (err.headers) reply.headers(err.headers)
    return fail(req, reply, err.status, err.message, err.errors)
  }
  if (err instanceof WriteQueueFull) {
    // Back-pressure, not a fault: the client should retry shortly (Alertmanager and the SDKs retry 5xx).
    reply.header('Retry-After', '1')
    return fail(req, reply, 503, 'Vigil is busy: too many writes are waiting; retry in a second')
  }
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string }
  if (fe.validation) {
    const context = fe.validationContext ?? 'body'
    const message =
      context === 'body' ? UNPROCESSABLE : `Invalid ${context === 'querystring' ? 'query' : context}`
    return fail(req, reply, 422, message, validationErrors(fe.validation, context))
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return fail(req, reply, 400, 'Could not parse the request body as JSON')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return fail(
        req,
        reply,
        413,
        `Request body is larger than the limit of ${req.routeOptions.bodyLimit} bytes`,
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return fail(req, reply, 415, 'Unsupported media type: send application/json')
  }
  const status =
    typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500
  if (status === 429) {
    return fail(req, reply, 429, fe.message)
  }
  if (status >= 500) req.log.error({ err }, 'unhandled error')
  return fail(req, reply, status, status >= 500 ? 'Internal server error' : fe.message)
}
