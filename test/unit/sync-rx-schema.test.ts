import { Type } from '@sinclair/typebox'
import { addRxPlugin, createRxDatabase } from 'rxdb'
import { checkSchema, disableWarnings, RxDBDevModePlugin } from 'rxdb/plugins/dev-mode'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { getValidator, wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv'
import { describe, expect, it } from 'vitest'
import { SYNC_INDEXES } from '../../core/sync/documents'
import { SYNC_COLLECTIONS } from '../../core/sync/protocol'
import { syncRxSchemas, toRxJsonSchema } from '../../core/sync/rx-schema'

disableWarnings()
addRxPlugin(RxDBDevModePlugin)

describe('rx-schema', () => {
  const schemas = syncRxSchemas()

  it('generates one schema per collection that passes RxDB dev-mode checkSchema', () => {
    expect(Object.keys(schemas).sort()).toEqual([...SYNC_COLLECTIONS].sort())
    for (const c of SYNC_COLLECTIONS) {
      const s = schemas[c]
      expect(() => checkSchema(s), c).not.toThrow()
      // RxDB's Ajv is strict: an unknown keyword (e.g. errorMessage) would fail at the first write.
      expect(() => getValidator(s), c).not.toThrow()
      expect(s).toMatchObject({ version: 0, primaryKey: 'id', type: 'object', additionalProperties: false })
      expect(Object.keys(s.properties)).not.toContain('_deleted')
      expect(s.required).not.toContain('_deleted')
      expect(s.indexes ?? []).toEqual(SYNC_INDEXES[c])
      // No TypeBox symbols or other non-JSON leftovers.
      expect(JSON.parse(JSON.stringify(s))).toEqual(s)
    }
  })

  it('opens all twelve collections in dev-mode with Ajv validation, which checks documents', async () => {
    const db = await createRxDatabase({
      name: `schema-${Math.random().toString(36).slice(2)}`,
      storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
      multiInstance: false,
    })
    try {
      await db.addCollections(Object.fromEntries(SYNC_COLLECTIONS.map((c) => [c, { schema: schemas[c] }])))
      const schedule = {
        id: 'sch-1',
        name: 'Ops',
        description: '',
        timezone: 'Europe/Berlin',
        enabled: true,
        teamId: 't1',
        rotations: [
          {
            id: 'r1',
            name: 'day',
            type: 'weekly',
            length: 1,
            startDate: '2026-03-01T09:00',
            participants: [{ type: 'user', id: 'u1' }, { type: 'none' }],
          },
        ],
      }
      const schedules = db.collections.schedules
      if (!schedules) throw new Error('no schedules collection')
      await schedules.insert(schedule)
      expect((await schedules.findOne('sch-1').exec())?.toJSON()).toEqual(schedule)
      await expect(schedules.insert({ ...schedule, id: 'sch-2', enabled: 'yes' })).rejects.toThrow()
      await expect(schedules.insert({ ...schedule, id: 'sch-3', surprise: 1 })).rejects.toThrow()
    } finally {
      await db.remove()
    }
  })

  it('refuses indexes RxDB or Dexie would reject, naming the field', () => {
    const Doc = Type.Object(
      {
        id: Type.String({ maxLength: 50 }),
        _deleted: Type.Boolean(),
        free: Type.String(),
        n: Type.Integer(),
        opt: Type.Optional(Type.String({ maxLength: 5 })),
        list: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    )
    expect(() => toRxJsonSchema(Doc, { indexes: ['free'] })).toThrow(/free needs maxLength/)
    expect(() => toRxJsonSchema(Doc, { indexes: ['n'] })).toThrow(/n needs multipleOf, minimum and maximum/)
    expect(() => toRxJsonSchema(Doc, { indexes: [['opt']] })).toThrow(/opt must be required/)
    expect(() => toRxJsonSchema(Doc, { indexes: ['list'] })).toThrow(/list must be a string, number/)
    expect(() => toRxJsonSchema(Doc, { indexes: ['missing'] })).toThrow(/not a top-level property/)
    const NoMax = Type.Object({ id: Type.String() })
    expect(() => toRxJsonSchema(NoMax)).toThrow(/id must be a string with maxLength/)
    expect(toRxJsonSchema(Doc, { version: 2 })).toMatchObject({
      version: 2,
      required: ['id', 'free', 'n', 'list'],
    })
  })
})
