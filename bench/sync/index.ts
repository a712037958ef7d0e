/**
 * The sync benchmark: how fast an alert sent over HTTP reaches the console's clients, against a raw
 * Socket.IO broadcast of the same payload to the same number of clients in the same run; how long a
 * replica that was offline needs to catch up, against a local bulkInsert; and the server's memory with
 * 1,000 clients connected. Every client runs in this one process.
 */
import { cpus } from 'node:os'
import { login } from '../escalation/api'
import { appendResults, RESULTS_FILE } from '../escalation/results'
import { alertBody } from '../escalation/sender'
import { pgServerVersion, REPO_ROOT, startVigil, type VigilCluster } from '../escalation/servers'
import { waitForQuiet } from '../lib/cpu'
import { machineInfo } from '../lib/machine'
import { type Service, startScript } from '../lib/proc'
import type { Benchmark } from '../lib/registry'
import { measureCatchUp } from './catchup'
import { connectFleet } from './fleet'
import { type LatencyOutcome, measureLatency } from './latency'
import { parseSyncOptions, SYNC_USAGE, type SyncOptions } from './options'
import { type CatchUp, computeSyncVerdicts, type LatencyPhase, renderSyncSection } from './report'

const log = (msg: string): void => console.log(`[sync] ${msg}`)

/** The raw broadcast server, as a child process. */
function startRaw(): Promise<{ base: string; service: Service }> {
  return startScript('raw socket.io', 'bench/sync/raw-server.ts', REPO_ROOT, (port) => ({
    RAW_PORT: String(port),
  }))
}

/** An alert document of the streamed shape, for when Vigil streamed none to copy. */
function syntheticDoc(i: number): Record<string, unknown> {
  const body = JSON.parse(alertBody('x', i)) as Record<string, unknown>
  const now = Date.now()
  return {
    ...body,
    id: '00000000-0000-4000-8000-000000000000',
    _deleted: false,
    tinyId: String(i),
    teamId: '00000000-0000-4000-8000-000000000001',
    status: 'open',
    acknowledged: false,
    isSeen: false,
    snoozed: false,
    count: 1,
    owner: '',
    actions: [],
    responders: [],
    visibleTo: [],
    acknowledgedBy: '',
    closedBy: '',
    createdAt: now,
    updatedAt: now,
    lastOccurredAt: now,
  }
}

/** Connects one socket to see whether Vigil serves Socket.IO at all; the reason when it does not. */
async function probeSync(base: string, token: string): Promise<string | undefined> {
  try {
    const f = await connectFleet(base, 1, token)
    f.close()
    return undefined
  } catch (err) {
    return `Vigil's Socket.IO endpoint is not available (${err instanceof Error ? err.message : String(err)})`
  }
}

async function runLatency(
  o: SyncOptions,
  vigil: VigilCluster,
  raw: { base: string; service: Service },
  token: string,
  vigilDown: string | undefined,
  notes: string[],
): Promise<LatencyPhase[]> {
  const phases: LatencyPhase[] = []
  const inst = vigil.instances[0] as VigilCluster['instances'][number]
  let template: unknown
  for (const shape of o.shapes) {
    const tag = `${shape.clients}c`
    const background = await waitForQuiet(cpus().length, 0.3, o.quietWaitSec * 1000)
    if (background > 0.3)
      notes.push(`${tag}: the machine was busy before the phase (${background.toFixed(2)} cores)`)
    const common = {
      clients: shape.clients,
      rate: shape.rate,
      warmupSec: o.warmupSec,
      seconds: o.seconds,
      apiKey: vigil.bootstrapKey,
    }
    const replicas = Math.min(o.replicas, shape.clients)
    const down: LatencyOutcome = {
      result: { sent: 0, rejected: 0, rate: 0, error: vigilDown },
      rssIdle: Number.NaN,
      rssPeak: Number.NaN,
    }
    const vigilRun = (k: number, what: string) =>
      measureLatency({
        ...common,
        url: inst.base,
        token,
        replicas: k,
        prefix: `sync-${tag}-${what}-${Date.now().toString(36)}-`,
        pid: inst.service.child.pid,
        log: (m) => log(`vigil ${tag} ${what}: ${m}`),
      })
    // Bare sockets only, as in the raw run, so the comparison is like for like; then the replicas'
    // store arrival in a run of its own (replicas work in this thread and would slow the sockets down).
    const v = vigilDown ? down : await vigilRun(0, 'sockets')
    const vs = vigilDown || replicas === 0 ? undefined : await vigilRun(replicas, 'replicas')
    if (vs) {
      if (vs.result.store) v.result.store = vs.result.store
      if (vs.result.error) v.result.error ??= `replica run: ${vs.result.error}`
    }
    if ('sample' in v && v.sample && typeof v.sample === 'object') template = v.sample
    if (!template)
      notes.push(`${tag}: no streamed Vigil document to copy; the raw server sent a synthetic one`)
    const r = await measureLatency({
      ...common,
      url: raw.base,
      replicas: 0,
      prefix: `raw-${tag}-${Date.now().toString(36)}-`,
      template: (template as Record<string, unknown> | undefined) ?? syntheticDoc(0),
      pid: raw.service.child.pid,
      log: (m) => log(`raw ${tag}: ${m}`),
    })
    phases.push({
      clients: shape.clients,
      rate: shape.rate,
      vigil: v.result,
      raw: r.result,
      rss: {
        vigilIdle: v.rssIdle,
        vigilPeak: vs && Number.isFinite(vs.rssPeak) ? Math.max(v.rssPeak, vs.rssPeak) : v.rssPeak,
        rawIdle: r.rssIdle,
      },
    })
  }
  return phases
}

async function runSync(argv: string[]): Promise<number> {
  const o = parseSyncOptions(argv, process.env)
  const notes: string[] = []
  const background = await waitForQuiet(cpus().length, 0.3, o.quietWaitSec * 1000)
  log(`background load ${background.toFixed(2)} cores; starting Vigil (${o.store}) and the raw server`)
  const vigil = await startVigil({ store: o.store, instances: 1, label: 'sync' })
  let raw: { base: string; service: Service } | undefined
  let phases: LatencyPhase[] = []
  let catchUp: CatchUp | undefined
  try {
    raw = await startRaw()
    const inst = vigil.instances[0] as VigilCluster['instances'][number]
    const token = await login(inst.base, vigil.adminEmail, vigil.adminPassword)
    const vigilDown = await probeSync(inst.base, token)
    if (vigilDown) log(vigilDown)
    if (o.only.includes('latency')) phases = await runLatency(o, vigil, raw, token, vigilDown, notes)
    if (o.only.includes('catchup')) {
      if (vigilDown) catchUp = { alerts: o.catchUpAlerts, error: vigilDown }
      else {
        await waitForQuiet(cpus().length, 0.3, o.quietWaitSec * 1000)
        catchUp = await measureCatchUp({
          url: inst.base,
          token,
          apiKey: vigil.bootstrapKey,
          alerts: o.catchUpAlerts,
          rate: o.catchUpRate,
          prefix: `catchup-${Date.now().toString(36)}-`,
          serverCount: async () =>
            Number(
              (await vigil.query<{ n: number | string }>('select count(*) as n from alerts'))[0]?.n ?? 0,
            ),
          log: (m) => log(`catch-up: ${m}`),
        })
        if (catchUp.note) notes.push(`catch-up: ${catchUp.note}`)
      }
    }
  } finally {
    await raw?.service.stop()
    await vigil.stop()
  }
  const machine = await machineInfo()
  const verdicts = computeSyncVerdicts(phases, catchUp)
  const section = renderSyncSection({
    machine,
    setup: [
      `Vigil: server/main.ts on ${o.store === 'sqlite' ? 'SQLite (fresh temp data dir)' : `${await pgServerVersion()} (fresh schema)`}, ` +
        'one process; every client signs in as the owner (one session token), so every client may see every alert',
      'Raw reference: bench/sync/raw-server.ts, a bare Socket.IO 4 server that answers POST /v2/alerts with 202 and ' +
        'then broadcasts the posted document as a sync:stream message (io.emit); the posted document is a copy of ' +
        'an alert document Vigil streamed in the same run, with its own alias, so the payload is the same size',
      `Load: alerts over HTTP (one per request, keep-alive) at a steady rate; ${o.warmupSec} s warm-up (not counted), then ` +
        `${o.seconds} s measured; latency = first arrival at a client − the instant the sender received the 202 ` +
        '(an arrival before the 202 counts as negative: Vigil streams a change once its WAL fsync is done, the fsync ' +
        'its 202 also waits for, so the two leave the server together); lost = (client, alert) pairs never seen within 5 s',
      `Clients: all in this one process (the bench), websocket transport, on ${machine.cores} cores shared with the ` +
        'server. "socket" = a run with bare socket.io-clients noting the stream message; against Vigil they ask, as ' +
        'the console does, for one sync:streams packet per feed tick (the alert and its log entries together, ' +
        '~1.8× the raw payload), the raw server sends each document as one sync:stream message; ' +
        `"store (RxDB replica)" = a second run in which ${o.replicas} of the clients are the real console replica (src-renderer/db createVigilDatabase on RxDB's ` +
        'memory storage, alerts collection only) noting the insert event of its collection, joining spread evenly ' +
        'among the bare sockets (a server writes a broadcast in the order sockets joined, so replicas that all joined ' +
        "last would always hear last). RxDB's open-source " +
        'build allows 13 open collections per JS realm, so more replicas in one process are not possible; the other ' +
        'clients are bare sockets',
      `Catch-up: one replica synced, then offline (goOffline) while ${o.catchUpAlerts.toLocaleString('en-US')} new alerts ` +
        `were sent at up to ${o.catchUpRate}/s; seconds from goOnline until the last of them was in its store; against ` +
        'bulkInsert of the same documents (as the replica stored them) into a fresh memory-storage collection with the same schema, ' +
        "and against RxDB's replication protocol pulling the same documents from an in-process handler in batches of 1,000 " +
        '(replicateRxCollection, no server, no network)',
      'Memory: VmRSS of the server process, sampled every 250 ms while the clients were connected',
      `Background: ${background.toFixed(2)} busy cores before the start; before each load shape the bench waits ` +
        `(up to ${o.quietWaitSec} s) for an idle machine, and a shape that started on a busy one is named in the notes`,
    ],
    phases,
    catchUp,
    verdicts,
    notes,
  })
  console.log(`\n${section}`)
  if (o.record) {
    appendResults(section)
    log(`appended to ${RESULTS_FILE}`)
  } else log('not recorded (--no-record)')
  const failed = phases.some((p) => p.vigil.error || p.raw.error) || Boolean(catchUp?.error)
  return failed ? 1 : 0
}

/** `tsx bench/run.ts sync`: stream latency against a raw broadcast, catch-up, and server memory. */
export const syncBenchmark: Benchmark = {
  name: 'sync',
  summary: 'replication: alert-to-client latency vs a raw Socket.IO broadcast, catch-up, server RSS',
  usage: SYNC_USAGE,
  run: runSync,
}
