import type { FastifyReply, FastifyRequest } from 'fastify'

/** Seconds since the request arrived, as Opsgenie's `took`. */
export function took(reply: FastifyReply): number {
  return Math.round(reply.elapsedTime) / 1000
}

/** The request id every body carries; Fastify's id is a UUID (see app.ts genReqId). */
export function requestId(req: FastifyRequest): string {
  return String(req.id)
}

/** Sends Opsgenie's success envelope: `{result?, data?, took, requestId, ...extra}`. */
export function ok(req: FastifyRequest, reply: FastifyReply, status: number, body: Record<string, unknown>) {
  return reply.code(status).send({ ...body, took: took(reply), requestId: requestId(req) })
}

/** An error the routes raise as a value; the app's error handler turns it into Opsgenie's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

/** Sends Opsgenie's error envelope: `{message, errors?, took, requestId}`. */
export function fail(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  errors?: Record<string, string>,
) {
  const body: Record<string, unknown> = { message, took: took(reply), requestId: requestId(req) }
  if (errors && Object.keys(errors).length > 0) body.errors = errors
  return reply.code(status).send(body)
}
