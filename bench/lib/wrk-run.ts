/** Runs the wrk binary against one loopback URL, bounded in time, and parses what it prints. */
import { runCommand } from './proc'
import { parseWrkOutput, type WrkResult } from './wrk'

/** How one wrk invocation is shaped. */
export interface WrkRun {
  /** Must be a loopback URL: the bench never sends traffic anywhere else. */
  url: string
  script: string
  bodies: string
  connections: number
  threads: number
  seconds: number
  /** Per-request timeout; slower answers count as timeout errors. */
  timeoutSec: number
}

/** Outcome of a run: parsed figures, or the reason there are none, plus the raw output for the log. */
export type WrkOutcome =
  | { ok: true; result: WrkResult; raw: string }
  | { ok: false; error: string; raw: string }

/** True for http://127.x.x.x, http://localhost and http://[::1] URLs. */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url)
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === 'localhost' || hostname === '[::1]'
}

/** The wrk binary's version line, e.g. "wrk 4.1.0 [epoll] …". */
export async function wrkVersion(): Promise<string> {
  // `wrk -v` prints its banner and exits non-zero; the banner is all we want.
  const r = await runCommand('wrk', ['-v'], 5000)
  const line = (r.stdout + r.stderr).split('\n')[0] ?? ''
  return line.replace(/\s*Copyright.*$/, '').trim() || 'unknown'
}

/** Runs wrk once; the hard limit is the run length plus 30 s so a stuck target cannot hang the bench. */
export async function runWrk(o: WrkRun): Promise<WrkOutcome> {
  if (!isLoopbackUrl(o.url)) throw new Error(`refusing to load a non-loopback URL: ${o.url}`)
  const args = [
    '-t',
    String(o.threads),
    '-c',
    String(o.connections),
    '-d',
    `${o.seconds}s`,
    '--timeout',
    `${o.timeoutSec}s`,
    '--latency',
    '-s',
    o.script,
    o.url,
    '--',
    o.bodies,
  ]
  const r = await runCommand('wrk', args, (o.seconds + 30) * 1000)
  const raw = `${r.stdout}${r.stderr ? `\n[stderr]\n${r.stderr}` : ''}`
  if (r.timedOut) return { ok: false, error: `wrk did not finish within ${o.seconds + 30} s`, raw }
  if (r.code !== 0) return { ok: false, error: `wrk exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`, raw }
  const result = parseWrkOutput(r.stdout)
  return result ? { ok: true, result, raw } : { ok: false, error: 'could not parse wrk output', raw }
}
