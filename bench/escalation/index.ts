/**
 * The escalation benchmark: 10,000 alerts routed to a three-step policy (a user now, a schedule's on-call
 * after a minute, a team after two; nobody acknowledges), sent over HTTP at a steady rate to real
 * servers, one on SQLite and two on one PostgreSQL schema. Afterwards the store is read directly: the
 * lateness of every step, duplicates and missing steps, judged against p99 ≤ 1 s, max ≤ 2 s.
 */
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parsePidStat, snapshot, waitForQuiet } from '../lib/cpu'
import { machineInfo } from '../lib/machine'
import type { Benchmark } from '../lib/registry'
import {
  analyzeEscalation,
  type EscalationVerdict,
  escalationVerdicts,
  expectedRows,
  latencyStats,
  type StoredAlert,
  type StoredNotification,
} from './analyze'
import { counterDeltas, escalationCounters } from './metrics'
import { ESCALATION_USAGE, type EscalationOptions, parseEscalationOptions } from './options'
import { type EscalationTargetRun, renderEscalationSection } from './report'
import { appendResults, RESULTS_FILE } from './results'
import { alertBody, nowMs, sendAlerts } from './sender'
import { pgServerVersion, REPO_ROOT, startVigil, type VigilCluster } from './servers'
import { STEP_DELAYS_MIN, setUpEscalation } from './setup'

const ENGINE_DIR = join(REPO_ROOT, 'server', 'engine', 'escalation')
const log = (msg: string): void => console.log(`[escalation] ${msg}`)

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    return res.ok ? await res.text() : undefined
  } catch {
    return undefined
  }
}

/** Jiffies used so far by each pid (0 for one that is gone). */
function jiffies(pids: Array<number | undefined>): number {
  let sum = 0
  for (const pid of pids) {
    if (pid === undefined) continue
    try {
      sum += parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      // exited: its time is lost, which the report shows as less server CPU
    }
  }
  return sum
}

/** Counts the notification rows written so far for the run's alerts. */
async function countRows(c: VigilCluster, prefix: string): Promise<number> {
  const rows = await c.query<{ n: number | string }>(
    `select count(*) as n from notifications n join alerts a on a.id = n.alert_id ` +
      `where a.alias like ${sqlString(`${prefix}%`)} and n.action_type = 'create-alert'`,
  )
  return Number(rows[0]?.n ?? 0)
}

/** Runs one target end to end; never throws (a failure becomes the run's error). */
async function runTarget(
  id: 'sqlite' | 'postgres',
  o: EscalationOptions,
): Promise<{ run: EscalationTargetRun; verdicts: EscalationVerdict[] }> {
  const instances = id === 'sqlite' ? 1 : o.postgresInstances
  const label =
    id === 'sqlite' ? 'Vigil (SQLite, 1 server)' : `Vigil (PostgreSQL, ${instances} servers, one schema)`
  const run: EscalationTargetRun = {
    label,
    sent: 0,
    accepted: 0,
    rejected: 0,
    rate: 0,
    ackP99Ms: Number.NaN,
    instances: [],
    notes: [],
  }
  const background = await waitForQuiet(cpus().length, 0.3, o.quietWaitSec * 1000)
  log(`${label}: background load ${background.toFixed(2)} cores; starting`)
  if (background > 0.3) {
    run.notes.push(
      `other work was running on the ${cpus().length}-core machine: ${background.toFixed(2)} cores busy just ` +
        'before the start (see the CPU column for the whole run); re-run on a quiet machine for clean figures',
    )
  }
  let cluster: VigilCluster | undefined
  try {
    cluster = await startVigil({ store: id, instances, pgIsolation: o.pgIsolation, label: `esc-${id}` })
    const fx = await setUpEscalation(cluster, o.teamMembers)
    const urls = cluster.instances.map((i) => i.base)
    const metricsBefore = await Promise.all(urls.map((u) => fetchText(`${u}/metrics`)))
    const pids = cluster.instances.map((i) => i.service.child.pid)
    const cpuA = { snap: snapshot(undefined, 'postgres'), servers: jiffies(pids) }
    const prefix = `esc-${Date.now().toString(36)}-`
    log(`${label}: sending ${o.alerts} alerts at ${o.rate}/s to ${urls.length} server(s)`)
    const sent = await sendAlerts({
      urls,
      apiKey: fx.apiKey,
      rate: o.rate,
      total: o.alerts,
      body: (i) => ({ alias: `${prefix}${i}`, json: alertBody(`${prefix}${i}`, i) }),
    })
    const ok = sent.alerts.filter((a) => a.status === 202)
    run.sent = sent.alerts.length
    run.accepted = ok.length
    run.rejected = run.sent - run.accepted
    run.rate = sent.rate
    run.ackP99Ms = latencyStats(ok.map((a) => a.ackAt - a.sentAt)).p99
    const firstBad = sent.alerts.find((a) => a.status !== 202)
    if (firstBad) run.notes.push(`first non-202 answer: ${firstBad.status} ${firstBad.error ?? ''}`)
    // Wait until every expected row is there, or the last step is `graceSec` overdue.
    const want = expectedRows(fx.steps, ok.length)
    const lastDue = Math.max(...ok.map((a) => a.ackAt)) + (STEP_DELAYS_MIN.at(-1) ?? 0) * 60_000
    const deadline = lastDue + o.graceSec * 1000
    let have = 0
    for (;;) {
      have = await countRows(cluster, prefix)
      if (have >= want || nowMs() > deadline) break
      const left = Math.max(0, (lastDue - nowMs()) / 1000)
      log(
        `${label}: ${have.toLocaleString('en-US')} of ${want.toLocaleString('en-US')} rows; last due in ${left.toFixed(0)} s`,
      )
      await new Promise((r) => setTimeout(r, left > 20 ? 10_000 : 2000))
    }
    // A moment more, so a late duplicate (which the unique key should make impossible) is seen too.
    await new Promise((r) => setTimeout(r, 3000))
    const cpuB = { snap: snapshot(undefined, 'postgres'), servers: jiffies(pids) }
    const dTotal = cpuB.snap.machine.total - cpuA.snap.machine.total
    if (dTotal > 0) {
      const cores = cpus().length
      const c = (d: number): string => ((d / dTotal) * cores).toFixed(2)
      let db = 0
      for (const [pid, j] of cpuB.snap.named ?? []) db += j - (cpuA.snap.named?.get(pid) ?? 0)
      const busy = cpuB.snap.machine.busy - cpuA.snap.machine.busy
      const self = (cpuB.snap.self ?? 0) - (cpuA.snap.self ?? 0)
      const servers = cpuB.servers - cpuA.servers
      const other = Math.max(0, busy - self - servers - (id === 'postgres' ? db : 0))
      run.cpu =
        `servers ${c(servers)}${id === 'postgres' ? ` + postgres ${c(db)}` : ''}, bench ${c(self)}, ` +
        `other ${c(other)} (of ${c(busy)} busy, mean over the run)`
    }
    const alerts = (
      await cluster.query<{ id: string; alias: string; created_at: number | string }>(
        `select id, alias, created_at from alerts where alias like ${sqlString(`${prefix}%`)}`,
      )
    ).map((r): StoredAlert => ({ id: r.id, alias: r.alias, createdAt: Number(r.created_at) }))
    const notifications = (
      await cluster.query<{
        alert_id: string
        user_id: string
        rule_index: number | null
        cycle: number | null
        created_at: number | string
      }>(
        `select n.alert_id, n.user_id, n.rule_index, n.cycle, n.created_at from notifications n ` +
          `join alerts a on a.id = n.alert_id where a.alias like ${sqlString(`${prefix}%`)} ` +
          `and n.action_type = 'create-alert'`,
      )
    ).map(
      (r): StoredNotification => ({
        alertId: r.alert_id,
        userId: r.user_id,
        ruleIndex: r.rule_index === null ? null : Number(r.rule_index),
        cycle: r.cycle === null ? null : Number(r.cycle),
        createdAt: Number(r.created_at),
      }),
    )
    const runs = await cluster.query<{ n: number | string }>(
      `select count(*) as n from escalation_runs r join alerts a on a.id = r.alert_id ` +
        `where a.alias like ${sqlString(`${prefix}%`)}`,
    )
    run.notes.push(
      `store after the run: ${alerts.length.toLocaleString('en-US')} alerts, ` +
        `${Number(runs[0]?.n ?? 0).toLocaleString('en-US')} escalation runs, ` +
        `${notifications.length.toLocaleString('en-US')} create-alert notifications (expected ${want.toLocaleString('en-US')})`,
    )
    run.analysis = analyzeEscalation({
      steps: fx.steps,
      acceptedAliases: ok.map((a) => a.alias),
      alerts,
      notifications,
    })
    const metricsAfter = await Promise.all(urls.map((u) => fetchText(`${u}/metrics`)))
    run.instances = cluster.instances.map((inst, i) => ({
      name: `${inst.name} (${inst.base})`,
      counters: counterDeltas(
        escalationCounters(metricsBefore[i] ?? ''),
        escalationCounters(metricsAfter[i] ?? ''),
      ),
      alive: inst.service.child.exitCode === null && inst.service.child.signalCode === null,
    }))
  } catch (err) {
    run.error = err instanceof Error ? err.message.split('\n')[0] : String(err)
    log(`${label}: FAILED: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    await cluster?.stop()
  }
  return { run, verdicts: escalationVerdicts(label, run.analysis, undefined, run.error) }
}

async function runEscalation(argv: string[]): Promise<number> {
  const o = parseEscalationOptions(argv, process.env)
  const engine = existsSync(ENGINE_DIR)
  if (!engine && !o.force) {
    log(
      `${ENGINE_DIR} does not exist yet: the escalation engine has not landed. Use --force to try the harness.`,
    )
    return 1
  }
  const runs: EscalationTargetRun[] = []
  const verdicts: EscalationVerdict[] = []
  for (const id of o.only) {
    const r = await runTarget(id, o)
    runs.push(r.run)
    verdicts.push(...r.verdicts)
  }
  const machine = await machineInfo()
  const [d0, d1, d2] = STEP_DELAYS_MIN
  const section = renderEscalationSection({
    machine,
    setup: [
      `Load: ${o.alerts.toLocaleString('en-US')} alerts (Opsgenie create-alert bodies, P3, unique aliases) over HTTP at ` +
        `a steady ${o.rate}/s (open loop), round robin over the target's servers, from one API integration of the team`,
      `Policy: if-not-acked at +${d0} min to a user, +${d1} min to a schedule (one always-on rotation of one user), ` +
        `+${d2} min to a team (notify all, ${o.teamMembers} members); no repeat; routed by the team's first ` +
        'routing rule (match-all); nobody acknowledges',
      'Lateness of a step = notifications.created_at − (alerts.created_at + the step delay), for every (alert, ' +
        'step, recipient), read from the store after the run; duplicates = rows beyond the first per (alert, ' +
        'rule, cycle, user); missing = expected (alert, rule, cycle 0, user) without a row ' +
        `${o.graceSec} s after the last step was due; unexpected = rows for another rule, cycle or user`,
      `PostgreSQL: ${runs.some((r) => r.label.includes('PostgreSQL')) ? await pgServerVersion() : 'not run'}, ` +
        `same machine; a fresh ${o.pgIsolation} per run; the servers start one after another on it`,
      `Engine: ${engine ? 'server/engine/escalation present' : '**server/engine/escalation absent (run with --force)**'}`,
      'Real clock: each target runs for the send time plus the longest delay; the bench process (sender and ' +
        `store reads) shares the ${machine.cores} cores with the servers and PostgreSQL`,
    ],
    runs,
    verdicts,
    notes: [],
  })
  console.log(`\n${section}`)
  if (o.record) {
    appendResults(section)
    log(`appended to ${RESULTS_FILE}`)
  } else log('not recorded (--no-record)')
  return runs.some((r) => r.error) ? 1 : 0
}

/** `tsx bench/run.ts escalation`: lateness, duplicates and missing steps of the escalation engine. */
export const escalationBenchmark: Benchmark = {
  name: 'escalation',
  summary: 'escalation engine: step lateness, duplicates and missing steps for 10,000 alerts (SQLite; PG ×2)',
  usage: ESCALATION_USAGE,
  run: runEscalation,
}
