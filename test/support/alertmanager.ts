import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './process'

/*
 * The real Prometheus Alertmanager (Debian's 0.25 build) as a child process on loopback, for end-to-end tests of
 * its opsgenie_configs and webhook_configs receivers against a running Vigil. Gossip is off
 * (--cluster.listen-address=), so a notification goes out as soon as the dispatcher flushes its group.
 */

/** The Alertmanager binary; VIGIL_TEST_ALERTMANAGER overrides the Debian path. */
export const ALERTMANAGER_BIN = process.env.VIGIL_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager'

/**
 * Route timings that keep a test fast. Alertmanager accepts any positive duration (only group_interval and
 * repeat_interval may not be zero), but a flush per millisecond would burn CPU, so: the first notification of
 * a group 200 ms after its first alert (long enough for alerts pushed together to share it), group changes
 * and resolutions on the next 1 s tick, and no spontaneous repeats, so every re-send a test sees is one it caused.
 */
export const FAST_TIMINGS = { group_wait: '200ms', group_interval: '1s', repeat_interval: '1h' } as const

/** Whether the binary is usable. On CI its absence is an error, not a skip. */
export function alertmanagerAvailability(): { ok: true } | { ok: false; reason: string } {
  try {
    accessSync(ALERTMANAGER_BIN, constants.X_OK)
    return { ok: true }
  } catch {
    const reason = `${ALERTMANAGER_BIN} is missing (apt-get install -y prometheus-alertmanager)`
    if (process.env.CI) throw new Error(`CI requires Prometheus Alertmanager: ${reason}`)
    return { ok: false, reason }
  }
}

/** A receiver exactly as it is written in alertmanager.yml (`name` plus any `*_configs`). */
export type ReceiverConfig = { name: string } & Record<string, unknown>

/** A child route of the generated config: its receiver, its matchers and optional overrides. */
export interface RouteConfig {
  receiver: string
  matchers?: string[]
  group_by?: string[]
  group_wait?: string
  group_interval?: string
  repeat_interval?: string
  continue?: boolean
}

export interface AlertmanagerOptions {
  receivers: ReceiverConfig[]
  /** Child routes, tried in order; alerts no route matches go to a receiver without integrations. */
  routes?: RouteConfig[]
  /** Top-level grouping; every alert with the same values shares one notification (and one Opsgenie alias). */
  groupBy?: string[]
  /** Only applies to alerts pushed without endsAt; the helpers here always send one. */
  resolveTimeout?: string
  readyTimeoutMs?: number
}

/** An alert as POST /api/v2/alerts takes it. */
export interface PostableAlert {
  labels: Record<string, string>
  annotations?: Record<string, string>
  startsAt?: string
  endsAt?: string
  generatorURL?: string
}

/** An alert as GET /api/v2/alerts returns it (the fields tests use). */
export interface GettableAlert extends PostableAlert {
  fingerprint: string
  status: { state: string }
  receivers: Array<{ name: string }>
}

export interface Alertmanager {
  /** Base URL without a trailing slash; also its --web.external-url. */
  url: string
  /** The receiver that drops everything no test route claims. */
  readonly blackhole: string
  /** The generated config, for failure messages. */
  config: string
  push(alerts: PostableAlert[]): Promise<void>
  /** Current alerts, optionally filtered by matchers such as `alertname="X"`. */
  alerts(filter?: string[]): Promise<GettableAlert[]>
  /** Everything the process wrote to stdout and stderr (warnings show failed notifications). */
  output(): string
  stop(): Promise<void>
}

const BLACKHOLE = 'vigil-test-blackhole'

/** The config file: JSON is valid YAML, and it sidesteps quoting Go templates by hand. */
export function alertmanagerConfig(opts: AlertmanagerOptions): string {
  const config = {
    global: { resolve_timeout: opts.resolveTimeout ?? '5m' },
    route: {
      receiver: BLACKHOLE,
      group_by: opts.groupBy ?? ['alertname'],
      ...FAST_TIMINGS,
      routes: opts.routes ?? [],
    },
    receivers: [{ name: BLACKHOLE }, ...opts.receivers],
  }
  return `${JSON.stringify(config, null, 2)}\n`
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Kills a child and waits for its exit, escalating to SIGKILL after `graceMs`. */
async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}

async function launch(dir: string, configFile: string, readyTimeoutMs: number) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    // No proxy variables or other surprises from the test runner's environment.
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // A crashed test worker must not leave an Alertmanager behind.
  const reap = () => child.kill('SIGKILL')
  process.once('exit', reap)
  const stop = async () => {
    process.removeListener('exit', reap)
    await terminate(child, exited)
  }

  const deadline = Date.now() + readyTimeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', reap)
      return { ok: false as const, out, portTaken: /address already in use/i.test(out) }
    }
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
      if (r.status === 200) return { ok: true as const, url, child, out: () => out, stop }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`Alertmanager not ready after ${readyTimeoutMs} ms:\n${out}`)
    }
    await sleep(50)
  }
}

/** Writes the config into a fresh temporary directory, starts Alertmanager and waits for GET /-/ready. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-am-'))
  const config = alertmanagerConfig(opts)
  const configFile = join(dir, 'alertmanager.yml')
  writeFileSync(configFile, config)
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000
  try {
    // freePort() releases the port before Alertmanager binds it; another process may take it in between.
    for (let attempt = 1; ; attempt++) {
      const run = await launch(dir, configFile, readyTimeoutMs)
      if (run.ok) {
        const { url } = run
        return {
          url,
          blackhole: BLACKHOLE,
          config,
          output: run.out,
          async push(alerts) {
            const r = await fetch(`${url}/api/v2/alerts`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(alerts),
              signal: AbortSignal.timeout(5000),
            })
            if (r.status !== 200)
              throw new Error(`Alertmanager refused the alerts: ${r.status} ${await r.text()}`)
          },
          async alerts(filter = []) {
            const q = new URLSearchParams(filter.map((f) => ['filter', f]))
            const r = await fetch(`${url}/api/v2/alerts?${q}`, { signal: AbortSignal.timeout(5000) })
            if (r.status !== 200)
              throw new Error(`Alertmanager GET /api/v2/alerts: ${r.status} ${await r.text()}`)
            return (await r.json()) as GettableAlert[]
          },
          async stop() {
            await run.stop()
            rmSync(dir, { recursive: true, force: true })
          },
        }
      }
      if (!run.portTaken || attempt === 3)
        throw new Error(`Alertmanager exited at start:\n${run.out}\n${config}`)
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/** A firing alert: started a minute ago, ending in an hour unless resolved (so resolve_timeout never applies). */
export function firing(
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
  generatorURL?: string,
): PostableAlert {
  const now = Date.now()
  const alert: PostableAlert = {
    labels,
    annotations,
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3600_000).toISOString(),
  }
  if (generatorURL !== undefined) alert.generatorURL = generatorURL
  return alert
}

/** The same alert (same labels, so the same fingerprint) with endsAt in the past: Alertmanager resolves it. */
export function resolved(alert: PostableAlert): PostableAlert {
  return { ...alert, endsAt: new Date(Date.now() - 1000).toISOString() }
}

/**
 * Polls `probe` until it returns a value other than undefined, at most `timeoutMs`; on timeout throws with
 * `what` and the last value seen (`describe(last)`), so a failure says what was still missing.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${opts.describe ? `\n${opts.describe()}` : ''}`,
      )
    }
    await sleep(opts.intervalMs ?? 100)
  }
}
