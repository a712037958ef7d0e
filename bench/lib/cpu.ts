/**
 * CPU accounting from /proc. The machine is shared (2 cores, other work may run), so each run records
 * how busy the whole machine was and how much of it the target used: a noisy figure then says so.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Jiffies of the aggregate "cpu" line: busy (everything but idle and iowait), irq+softirq, and total. */
export interface MachineTicks {
  busy: number
  total: number
  /** Interrupt time; loopback networking at tens of thousands of requests/s lands here, in no process. */
  irq?: number
}

/** Parses the first line of /proc/stat. */
export function parseProcStat(text: string): MachineTicks {
  const line = text.split('\n').find((l) => l.startsWith('cpu '))
  if (!line) throw new Error('no aggregate cpu line in /proc/stat')
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = f.reduce((a, b) => a + b, 0)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  return { busy: total - idle, total, irq: (f[5] ?? 0) + (f[6] ?? 0) }
}

/** utime + stime (jiffies) from /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function parsePidStat(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // After the name: state is field 3, so utime (14) and stime (15) are at indexes 11 and 12 here.
  return Number(rest[11]) + Number(rest[12])
}

/** cutime + cstime: CPU of children already waited for (wrk, once it has exited). */
export function parseChildrenStat(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return Number(rest[13]) + Number(rest[14])
}

/** A point-in-time reading of the machine, this process, its reaped children and optionally one process. */
export interface CpuSnapshot {
  machine: MachineTicks
  /** The bench process itself. */
  self?: number
  /** Reaped children of the bench (wrk, after it exits). */
  children?: number
  proc?: number
  /** Jiffies per pid of processes with a given command name (the PostgreSQL server's backends). */
  named?: Map<number, number>
  /** Jiffies per pid of kernel threads (children of kthreadd: journaling, block I/O workers). */
  kernel?: Map<number, number>
}

/** The command name in /proc/<pid>/stat (between the first '(' and the last ')'). */
export function parseComm(text: string): string {
  return text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'))
}

function readStat(pid: number | 'self'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
}

/** Reads /proc now; a part that cannot be read (process gone) is left out. */
export function snapshot(pid?: number, comm?: string): CpuSnapshot {
  const machine = parseProcStat(readFileSync('/proc/stat', 'utf8'))
  const self = readStat('self') ?? ''
  const out: CpuSnapshot = { machine, self: parsePidStat(self), children: parseChildrenStat(self) }
  const stat = pid === undefined ? undefined : readStat(pid)
  if (stat) out.proc = parsePidStat(stat)
  const named = new Map<number, number>()
  const kernel = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const text = readStat(Number(entry))
    if (!text) continue
    if (comm && parseComm(text) === comm) named.set(Number(entry), parsePidStat(text))
    else if (entry === '2' || parsePpid(text) === 2) kernel.set(Number(entry), parsePidStat(text))
  }
  return comm ? { ...out, named, kernel } : { ...out, kernel }
}

/** The parent pid (field 4) of a /proc/<pid>/stat line. */
export function parsePpid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
}

/** Busy cores between two snapshots; `other` is what neither the target, wrk nor the bench itself used. */
export interface CoresUsed {
  machine: number
  proc?: number
  /** The load generator (children reaped in between: wrk). */
  loader?: number
  /** Processes matched by name (PostgreSQL); ones that exited in between are lost, new ones count whole. */
  named?: number
  /** Kernel threads: the file system's journal and block I/O work a durable store causes. */
  kernel?: number
  /** Interrupt handling (mostly the loopback network stack), which belongs to the benchmark itself. */
  irq?: number
  other?: number
}

/** Cores kept busy between two snapshots, split by who used them where the readings allow. */
export function coresUsed(a: CpuSnapshot, b: CpuSnapshot, cores: number): CoresUsed {
  const dTotal = b.machine.total - a.machine.total
  if (dTotal <= 0) return { machine: 0 }
  // Total jiffies advance by `cores` per tick of wall time, so one core's worth is dTotal / cores.
  const per = (x?: number, y?: number): number | undefined =>
    x === undefined || y === undefined ? undefined : ((y - x) / dTotal) * cores
  const out: CoresUsed = { machine: ((b.machine.busy - a.machine.busy) / dTotal) * cores }
  const proc = per(a.proc, b.proc)
  const loader = per(a.children, b.children)
  const self = per(a.self, b.self)
  if (proc !== undefined) out.proc = proc
  if (loader !== undefined) out.loader = loader
  // A process born in between (a pool opening a connection mid-run) used all its time in the window.
  const group = (x?: Map<number, number>, y?: Map<number, number>): number | undefined => {
    if (!x || !y) return undefined
    let d = 0
    for (const [p, j] of y) d += j - (x.get(p) ?? 0)
    return (d / dTotal) * cores
  }
  const named = group(a.named, b.named)
  const kernel = group(a.kernel, b.kernel)
  if (named !== undefined) out.named = named
  if (kernel !== undefined) out.kernel = kernel
  const irq = per(a.machine.irq, b.machine.irq)
  if (irq !== undefined) out.irq = irq
  if (proc !== undefined && loader !== undefined && self !== undefined) {
    out.other = Math.max(0, out.machine - proc - loader - self - (named ?? 0) - (kernel ?? 0) - (irq ?? 0))
  }
  return out
}

/**
 * Waits (up to maxWaitMs) until the machine is quieter than `threshold` busy cores over a 2 s sample,
 * so one target does not inherit another job's load. Returns the last sample either way.
 */
export async function waitForQuiet(cores: number, threshold: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const a = snapshot()
    await new Promise((r) => setTimeout(r, 2000))
    const busy = coresUsed(a, snapshot(), cores).machine
    if (busy <= threshold || Date.now() >= deadline) return busy
  }
}
