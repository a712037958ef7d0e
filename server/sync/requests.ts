/** Shapes of the requests a socket may send, checked before anything else reads them. */
import { type Static, Type } from '@sinclair/typebox'
import Ajv from 'ajv'
import { SYNC_DOCUMENT_SCHEMAS } from '../../core/sync/documents'
import { MAX_PULL_BATCH, SYNC_COLLECTIONS, type SyncCollection } from '../../core/sync/protocol'

const Collection = Type.Unsafe<SyncCollection>({ type: 'string', enum: [...SYNC_COLLECTIONS] })

export const PullRequestSchema = Type.Object(
  {
    collection: Collection,
    checkpoint: Type.Optional(
      Type.Object(
        {
          seq: Type.Integer({ minimum: 0 }),
          scope: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    batchSize: Type.Integer({ minimum: 1, maximum: MAX_PULL_BATCH }),
  },
  { additionalProperties: false },
)
export type PullRequestBody = Static<typeof PullRequestSchema>

/** The envelope of a push; rows' documents are checked against their collection's schema separately. */
export const PushEnvelopeSchema = Type.Object(
  {
    collection: Collection,
    rows: Type.Array(
      Type.Object(
        {
          assumedMasterState: Type.Optional(Type.Object({}, { additionalProperties: true })),
          newDocumentState: Type.Object({}, { additionalProperties: true }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

const ajv = new Ajv({ allErrors: false, strict: false })
const checkPull = ajv.compile<PullRequestBody>(PullRequestSchema)
const checkPush = ajv.compile(PushEnvelopeSchema)
const checkDoc = Object.fromEntries(
  SYNC_COLLECTIONS.map((c) => [c, ajv.compile(SYNC_DOCUMENT_SCHEMAS[c])]),
) as Record<SyncCollection, ReturnType<typeof ajv.compile>>

/** The first problem Ajv found, as `path: message`. */
function firstError(errors: typeof checkPull.errors): string {
  const e = errors?.[0]
  return e ? `${e.instancePath || '/'}: ${e.message ?? 'invalid'}` : 'invalid'
}

/** The pull request, or why it is malformed. */
export function parsePull(
  body: unknown,
): { ok: true; value: PullRequestBody } | { ok: false; message: string } {
  return checkPull(body) ? { ok: true, value: body } : { ok: false, message: firstError(checkPull.errors) }
}

/** Checks a push envelope: undefined when well-formed, else why not. */
export function pushEnvelopeProblem(body: unknown): string | undefined {
  return checkPush(body) ? undefined : firstError(checkPush.errors)
}

/** Checks one document against its collection's schema: undefined when valid, else why not. */
export function documentProblem(collection: SyncCollection, doc: unknown): string | undefined {
  const check = checkDoc[collection]
  return check(doc) ? undefined : firstError(check.errors)
}
