/*
 * Alert actions as commands (issue 4 §2): written to the alertCommands outbox with an id made here and
 * pushed by its replication, offline or not. The server applies each id once and publishes the command
 * back as `applied` or `rejected` (with a reason); the alert's change arrives through the alerts stream.
 */
import type { RxCollection } from 'rxdb'
import type { AlertCommandAction, AlertCommandParams } from '../../core/sync/documents'
import type { RxDoc } from '../../core/sync/rx-schema'
import type { Clock } from '../../core/time/clock'

export type AlertCommand = RxDoc<'alertCommands'>

export interface AlertCommandInput {
  alertId: string
  action: AlertCommandAction
  params?: AlertCommandParams
}

/** Queues an alert action; resolves with the stored command once it is in the local outbox. */
export async function queueAlertCommand(
  outbox: RxCollection<AlertCommand>,
  clock: Clock,
  input: AlertCommandInput,
  newId: () => string = () => crypto.randomUUID(),
): Promise<AlertCommand> {
  const command: AlertCommand = {
    id: newId(),
    alertId: input.alertId,
    action: input.action,
    params: input.params ?? {},
    createdAt: clock.now(),
    status: 'pending',
  }
  const doc = await outbox.insert(command)
  return doc.toJSON() as AlertCommand
}
