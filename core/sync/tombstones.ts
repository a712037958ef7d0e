/** Deleted documents as the server serves them (tombstones keep only collection and id). */
import type { SyncDocuments } from './documents'
import type { SyncCollection } from './protocol'

/**
 * Required fields of a deleted document. RxDB validates deleted documents against the schema too, so a
 * tombstone (the server keeps only collection and id) is served as this template plus its id and
 * `_deleted: true`. The values are placeholders: a client must not read a deleted document's fields.
 */
export const TOMBSTONE_FIELDS: { readonly [C in SyncCollection]: Omit<SyncDocuments[C], 'id' | '_deleted'> } =
  {
    alerts: {
      tinyId: '',
      teamId: '-',
      alias: '',
      message: '',
      description: '',
      status: 'closed',
      acknowledged: false,
      isSeen: false,
      snoozed: false,
      count: 0,
      priority: 'P3',
      source: '',
      entity: '',
      owner: '',
      tags: [],
      details: {},
      actions: [],
      responders: [],
      visibleTo: [],
      acknowledgedBy: '',
      closedBy: '',
      createdAt: 0,
      updatedAt: 0,
      lastOccurredAt: 0,
    },
    alertLogs: { alertId: '-', createdAt: 0, type: '', owner: '', log: '' },
    alertCommands: { alertId: '-', action: 'note', params: {}, createdAt: 0, status: 'rejected' },
    teams: { name: '', description: '', members: [], createdAt: 0, updatedAt: 0 },
    users: {
      username: '',
      fullName: '',
      role: 'observer',
      timeZone: 'UTC',
      blocked: true,
      createdAt: 0,
      updatedAt: 0,
    },
    schedules: { name: '-', description: '', timezone: 'UTC', enabled: false, teamId: '-', rotations: [] },
    overrides: { scheduleId: '-', alias: '-', userId: '-', start: 0, end: 0 },
    escalationPolicies: {
      name: '-',
      description: '',
      teamId: '-',
      rules: [
        {
          condition: 'if-not-acked',
          delayMinutes: 0,
          recipient: { type: 'user', id: '-' },
          notifyType: 'default',
        },
      ],
    },
    routingRules: {
      teamId: '-',
      name: '-',
      order: 0,
      criteria: { type: 'match-all' },
      timezone: 'UTC',
      notify: { type: 'none' },
      isDefault: false,
    },
    integrations: {
      name: '',
      type: 'API',
      teamId: '-',
      enabled: false,
      allowReadAccess: false,
      allowWriteAccess: false,
      allowDeleteAccess: false,
      allowConfigurationAccess: false,
      rateLimitPerMinute: 0,
      keyHint: '',
      createdAt: 0,
      updatedAt: 0,
    },
    monitoring: { kind: 'heartbeat', description: '', createdAt: 0, updatedAt: 0 },
    me: { kind: 'contact', userId: '-', enabled: false },
  }

/** The deleted document of a collection as the server serves it: the template, the id, `_deleted: true`. */
export function tombstoneDoc<C extends SyncCollection>(collection: C, id: string): SyncDocuments[C] {
  return { ...TOMBSTONE_FIELDS[collection], id, _deleted: true } as SyncDocuments[C]
}
