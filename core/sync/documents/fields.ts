/*
 * The field shapes every replicated document is built from. They encode the rules RxDB 17 needs
 * (core/sync/documents.ts explains them): bounded, indexable ids and times, closed objects.
 */
import { Type } from '@sinclair/typebox'

/** maxLength of every document's primary key `id` (RxDB requires one; ids are UUIDs or client-made). */
export const DOC_ID_MAX_LENGTH = 100

/** A document's primary key. */
export const Id = Type.String({ minLength: 1, maxLength: DOC_ID_MAX_LENGTH })
/** An id of another document (a foreign key); same bound as the primary key, so it can be indexed. */
export const Ref = Type.String({ minLength: 1, maxLength: DOC_ID_MAX_LENGTH })
/** An instant in epoch milliseconds; bounded and whole so RxDB can index it. */
export const Ms = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, multipleOf: 1 })
/** RxDB's deletion flag, present on every document. */
export const Deleted = Type.Boolean()
/** A string of at most `maxLength` characters. */
export const Text = (maxLength: number) => Type.String({ maxLength })
/** A closed set of strings as `{type: 'string', enum, maxLength}`: indexable by RxDB, checked by Ajv. */
export const Enum = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], maxLength: Math.max(...values.map((v) => v.length)) })
/** An IANA time zone name. */
export const TimeZone = Type.String({ minLength: 1, maxLength: 64 })
/** An object that admits no other properties (RxDB requires it of the root). */
export const Obj = <P extends Parameters<typeof Type.Object>[0]>(props: P) =>
  Type.Object(props, { additionalProperties: false })
/**
 * Who last changed a pushable document (a username, or an integration's or Vigil's name), from the audit
 * log; server-maintained: see SERVER_OWNED_FIELDS. Absent when no audit entry names the document.
 */
export const UpdatedBy = Type.Optional(Text(512))
