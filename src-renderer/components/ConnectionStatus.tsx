import { Badge, Group, Text } from '@mantine/core'
import type { HealthState } from '../bridge/health'

const LOOK = {
  checking: { color: 'gray', label: 'checking…' },
  ok: { color: 'green', label: 'ok' },
  unreachable: { color: 'red', label: 'unreachable' },
} as const

/** One line: which server, and whether its /health answers. */
export function ConnectionStatus({
  serverUrl,
  health,
}: {
  serverUrl: string | undefined
  health: HealthState
}) {
  const look = LOOK[health.state]
  return (
    <Group
      gap="xs"
      data-testid="connection-status"
      data-state={health.state}
      role="status"
      aria-live="polite"
    >
      <Text size="sm">Server {serverUrl ?? '…'}</Text>
      <Badge color={look.color} variant="light">
        {look.label}
      </Badge>
      {health.state === 'unreachable' && (
        <Text size="sm" c="dimmed">
          {health.reason}
        </Text>
      )}
    </Group>
  )
}
