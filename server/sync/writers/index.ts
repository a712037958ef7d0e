import type { SyncCollection } from '../../../core/sync/protocol'
import { meWriter } from './me'
import { escalationPoliciesWriter } from './policies'
import { routingRulesWriter } from './routing'
import { overridesWriter, schedulesWriter } from './schedules'
import type { CollectionWriter } from './writer'

/** Writers of the collections a client may push (alertCommands has its own path: commands.ts). */
export const WRITERS: Partial<Record<SyncCollection, CollectionWriter>> = {
  schedules: schedulesWriter as unknown as CollectionWriter,
  overrides: overridesWriter as unknown as CollectionWriter,
  escalationPolicies: escalationPoliciesWriter as unknown as CollectionWriter,
  routingRules: routingRulesWriter as unknown as CollectionWriter,
  me: meWriter as unknown as CollectionWriter,
}
