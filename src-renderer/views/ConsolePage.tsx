import { AppShell, Button, EmptyState, Group, Paper, Stack, Text, Title } from '@mantine/core'
import { useEffect, useState } from 'react'
import type { DeepLinkRoute, NotifyResult } from '../../src-main/shared/ipc-contract'
import { checkHealth, HEALTH_INTERVAL_MS, type HealthState } from '../bridge/health'
import { desktopApi, resolveServerUrl } from '../bridge/vigil'
import { ConnectionStatus } from '../components/ConnectionStatus'

/** Polls the server's health every HEALTH_INTERVAL_MS once the server URL is known. */
function useServerHealth(): { serverUrl: string | undefined; health: HealthState } {
  const [serverUrl, setServerUrl] = useState<string>()
  const [health, setHealth] = useState<HealthState>({ state: 'checking' })
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (url: string) => {
      const next = await checkHealth(url)
      if (stopped) return
      setHealth(next)
      timer = setTimeout(() => void poll(url), HEALTH_INTERVAL_MS)
    }
    resolveServerUrl(window).then(
      (url) => {
        if (stopped) return
        setServerUrl(url)
        void poll(url)
      },
      (err: Error) => !stopped && setHealth({ state: 'unreachable', reason: err.message }),
    )
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])
  return { serverUrl, health }
}

/** Desktop-only extras: the last deep link opened, and a test of native notifications. */
function DesktopTools() {
  const api = desktopApi(window)
  const [route, setRoute] = useState<DeepLinkRoute>()
  const [result, setResult] = useState<string>()
  useEffect(() => api?.onDeepLink(setRoute), [api])
  if (!api) return null
  const sendTest = () =>
    api
      .notify({ id: 'vigil-test', message: 'Test notification from Vigil', priority: 'P3' })
      .then((r: NotifyResult) => setResult(r.shown ? 'notification shown' : 'notifications unsupported here'))
      .catch((err: Error) => setResult(`failed: ${err.message}`))
  return (
    <Group gap="sm">
      <Button size="xs" variant="default" onClick={sendTest} data-testid="test-notification">
        Send test notification
      </Button>
      {result && (
        <Text size="sm" data-testid="notify-result">
          {result}
        </Text>
      )}
      {route && (
        <Text size="sm" data-testid="deep-link">
          {route.kind === 'alert' ? `Opened alert ${route.id}` : 'Opened home'}
        </Text>
      )}
    </Group>
  )
}

/** The console's one page for now: header, connection status and the (placeholder) alert list. */
export function ConsolePage() {
  const { serverUrl, health } = useServerHealth()
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between">
          <Title order={1} size="h3">
            Vigil
          </Title>
          <ConnectionStatus serverUrl={serverUrl} health={health} />
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Stack gap="md">
          <DesktopTools />
          <Paper withBorder p="lg" component="section" aria-label="Alerts" data-testid="alert-list">
            <EmptyState title="No alerts to show yet" description="Open alerts will be listed here." />
          </Paper>
        </Stack>
      </AppShell.Main>
    </AppShell>
  )
}
