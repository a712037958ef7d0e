/** What machine a result came from: recorded with every RESULTS.md section. */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { runCommand } from './proc'

/** Machine facts printed above each results table. */
export interface MachineInfo {
  /** Output of `date`, as the brief asks (local time with zone). */
  date: string
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  /** fdatasync latency of a 4 KiB write in the temp dir (where the SQLite target keeps its data). */
  fsync?: { p50Ms: number; p99Ms: number; dir: string }
}

/** The first "model name" of /proc/cpuinfo. */
export function parseCpuModel(cpuinfo: string): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)
  return m?.[1]?.trim() ?? 'unknown'
}

/** PRETTY_NAME from /etc/os-release. */
export function parseOsRelease(text: string): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)
  return m?.[1] ?? 'unknown'
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}

/** Collects the machine facts; never throws (a missing file just reads "unknown"). */
export async function machineInfo(): Promise<MachineInfo> {
  const date = (await runCommand('date', [], 5000)).stdout.trim() || new Date().toString()
  return {
    date,
    cpuModel: parseCpuModel(readOr('/proc/cpuinfo', '')) || cpus()[0]?.model || 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${parseOsRelease(readOr('/etc/os-release', ''))}, Linux ${release()}`,
    fsync: measureFsync(),
  }
}

/**
 * A durable store is bounded by how fast the disk makes a write durable, so the section records it:
 * 200 fdatasyncs of 4 KiB (well under a second on any real disk).
 */
export function measureFsync(samples = 200): MachineInfo['fsync'] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-fsync-'))
  try {
    const fd = openSync(join(dir, 'probe'), 'w')
    const block = Buffer.alloc(4096, 1)
    const times: number[] = []
    try {
      for (let i = 0; i < samples; i++) {
        writeSync(fd, block)
        const t0 = process.hrtime.bigint()
        fdatasyncSync(fd)
        times.push(Number(process.hrtime.bigint() - t0) / 1e6)
      }
    } finally {
      closeSync(fd)
    }
    times.sort((a, b) => a - b)
    const at = (q: number): number =>
      times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN
    return { p50Ms: at(0.5), p99Ms: at(0.99), dir: tmpdir() }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
