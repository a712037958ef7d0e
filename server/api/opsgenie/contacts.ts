import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { newId } from '../../../core/ids/ids'
import { type Contact, ContactCreate, ContactPatch, contactAddressError } from '../../../core/model/contact'
import type { AuditEntity, AuditOrigin } from '../../audit/record'
import { originOf, recordAudit } from '../../audit/record'
import type { AppContext } from '../../context'
import type { ContactsTable, Database, UsersTable } from '../../store/schema'
import { invalid, isUniqueViolation } from '../admin/common'
import { ApiError, ok } from '../envelope'
import { managedUser } from './users'

const security: Array<Record<string, string[]>> = [{ Session: [] }]
const tags = ['contacts']
const UserParams = Type.Object({ identifier: Type.String({ minLength: 1, maxLength: 200 }) })
const ContactParams = Type.Object({
  identifier: Type.String({ minLength: 1, maxLength: 200 }),
  contactId: Type.String({ minLength: 1, maxLength: 200 }),
})
type OfUser = { Params: Static<typeof UserParams> }
type OfContact = { Params: Static<typeof ContactParams> }

const notFound = (id: string) => new ApiError(404, `Contact with id [${id}] does not exist`)
const conflict = (c: { method: string; address: string }) =>
  new ApiError(409, `Contact with method [${c.method}] and to [${c.address}] already exists`)

/** The contact as Opsgenie shows it. */
export function contactView(row: ContactsTable): Contact {
  const status: Contact['status'] = { enabled: row.enabled === 1 }
  if (row.disabled_reason !== null) status.disabledReason = row.disabled_reason
  return { id: row.id, method: row.method, to: row.address, status }
}

/** A contact's audit entity, named `method:to of username`. */
export function contactEntity(row: ContactsTable, user: { username: string }): AuditEntity {
  return { type: 'contact', id: row.id, name: `${row.method}:${row.address} of ${user.username}` }
}

/** Inserts a contact with its audit entry in `trx`; 409 when the user already has that method and address. */
export async function insertContact(
  trx: Kysely<Database>,
  origin: AuditOrigin,
  user: Pick<UsersTable, 'id' | 'username'>,
  row: ContactsTable,
): Promise<void> {
  const inserted = await trx
    .insertInto('contacts')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'method', 'address']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) throw conflict(row)
  await recordAudit(trx, {
    ...origin,
    action: 'create',
    entity: contactEntity(row, user),
    after: contactView(row),
  })
}

/** Opsgenie's /v2/users/{id}/contacts: users manage their own contacts, owners and admins anyone's. */
export function contactRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = () => ctx.store.db
  const base = '/v2/users/:identifier/contacts'

  async function find(user: UsersTable, id: string): Promise<ContactsTable> {
    const row = await db()
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', user.id)
      .executeTakeFirst()
    if (!row) throw notFound(id)
    return row
  }

  /** Applies `set` to the contact and records the change, in one transaction; answers the new view. */
  async function change(
    req: Parameters<typeof originOf>[0],
    user: UsersTable,
    id: string,
    set: Partial<ContactsTable>,
  ): Promise<Contact> {
    try {
      return await db()
        .transaction()
        .execute(async (trx) => {
          const before = await trx
            .selectFrom('contacts')
            .selectAll()
            .where('id', '=', id)
            .where('user_id', '=', user.id)
            .$if(ctx.store.dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst()
          if (!before) throw notFound(id)
          const row = await trx
            .updateTable('contacts')
            .set({ ...set, updated_at: ctx.clock.now() })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow()
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'update',
            entity: contactEntity(row, user),
            before: contactView(before),
            after: contactView(row),
          })
          return contactView(row)
        })
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError(409, 'The user already has a contact with that method and to')
      throw err
    }
  }

  app.get<OfUser>(
    base,
    { schema: { tags, security, summary: "List a user's contacts", params: UserParams } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'read')
      const rows = await db()
        .selectFrom('contacts')
        .selectAll()
        .where('user_id', '=', user.id)
        .orderBy('method')
        .orderBy('address')
        .execute()
      return ok(req, reply, 200, { data: rows.map(contactView) })
    },
  )

  app.post<OfUser & { Body: ContactCreate }>(
    base,
    { schema: { tags, security, summary: 'Add a contact', params: UserParams, body: ContactCreate } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const to = req.body.to.trim()
      const problem = contactAddressError(req.body.method, to)
      if (problem) throw invalid('to', problem)
      const now = ctx.clock.now()
      const row: ContactsTable = {
        id: newId(now),
        user_id: user.id,
        method: req.body.method,
        address: to,
        enabled: 1,
        disabled_reason: null,
        created_at: now,
        updated_at: now,
      }
      const origin = originOf(req, ctx.clock)
      await db()
        .transaction()
        .execute((trx) => insertContact(trx, origin, user, row))
      return ok(req, reply, 201, { result: 'Created', data: { id: row.id } })
    },
  )

  const one = { params: ContactParams, security, tags }

  app.get<OfContact>(
    `${base}/:contactId`,
    { schema: { ...one, summary: 'Get a contact' } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'read')
      return ok(req, reply, 200, { data: contactView(await find(user, req.params.contactId)) })
    },
  )

  app.patch<OfContact & { Body: ContactPatch }>(
    `${base}/:contactId`,
    { schema: { ...one, summary: "Change a contact's address", body: ContactPatch } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const current = await find(user, req.params.contactId)
      const to = req.body.to.trim()
      const problem = contactAddressError(current.method, to)
      if (problem) throw invalid('to', problem)
      const data = await change(req, user, current.id, { address: to })
      return ok(req, reply, 200, { result: 'Updated', data })
    },
  )

  app.delete<OfContact>(
    `${base}/:contactId`,
    { schema: { ...one, summary: 'Delete a contact' } },
    async (req, reply) => {
      const user = await managedUser(ctx, req, 'write')
      const id = req.params.contactId
      await db()
        .transaction()
        .execute(async (trx) => {
          const row = await trx
            .deleteFrom('contacts')
            .where('id', '=', id)
            .where('user_id', '=', user.id)
            .returningAll()
            .executeTakeFirst()
          if (!row) throw notFound(id)
          await recordAudit(trx, {
            ...originOf(req, ctx.clock),
            action: 'delete',
            entity: contactEntity(row, user),
            before: contactView(row),
          })
        })
      return ok(req, reply, 200, { result: 'Deleted' })
    },
  )

  for (const action of ['enable', 'disable'] as const) {
    app.post<OfContact>(
      `${base}/:contactId/${action}`,
      { schema: { ...one, summary: `${action === 'enable' ? 'Enable' : 'Disable'} a contact` } },
      async (req, reply) => {
        const user = await managedUser(ctx, req, 'write')
        const current = await find(user, req.params.contactId)
        const on = action === 'enable'
        const data =
          current.enabled === (on ? 1 : 0)
            ? contactView(current)
            : await change(req, user, current.id, {
                enabled: on ? 1 : 0,
                disabled_reason: on ? null : 'Disabled by user',
              })
        return ok(req, reply, 200, { result: on ? 'Enabled' : 'Disabled', data })
      },
    )
  }
}
