/** Child-process plumbing for benchmark targets: free ports, start, readiness, bounded stop. */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** A started target process with the tail of its output kept for error reports. */
export interface Service {
  name: string
  child: ChildProcess
  /** Last ~8 KB of stdout+stderr. */
  output(): string
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>
  stop(): Promise<void>
}

const live = new Set<Service>()
const cleanups = new Set<() => Promise<void>>()
/** Short-lived commands (wrk) still running, so Ctrl-C does not orphan them. */
const commands = new Set<ChildProcess>()

/**
 * Registers cleanup (temp dirs, databases) that also runs on Ctrl-C. Returns the function to call
 * instead of `fn`: it runs `fn` once, and stays registered until `fn` has finished, so an exit that
 * comes in the middle still waits for it.
 */
export function registerCleanup(fn: () => Promise<void> | void): () => Promise<void> {
  let running: Promise<void> | undefined
  const run = (): Promise<void> => {
    running ??= Promise.resolve()
      .then(fn)
      .catch(() => {})
      .finally(() => cleanups.delete(run))
    return running
  }
  cleanups.add(run)
  return run
}

/** An unused TCP port on 127.0.0.1 (the tiny race until the target binds it is acceptable here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Spawns a target; its output is buffered (not printed) so the bench log stays readable. */
export function startService(
  name: string,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Service {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let tail = ''
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-8192)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)))
    child.once('error', (err) => resolve(`spawn error: ${err.message}`))
  })
  const svc: Service = {
    name,
    child,
    output: () => tail,
    exited,
    async stop() {
      live.delete(svc)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      // A target that ignores SIGTERM for 10 s is killed: the bench must always end.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
  live.add(svc)
  return svc
}

/** Kills every service still running, then runs pending cleanups (used on Ctrl-C and on unexpected errors). */
export async function stopAll(): Promise<void> {
  for (const c of commands) c.kill('SIGKILL')
  await Promise.all([...live].map((s) => s.stop()))
  await Promise.all([...cleanups].map((run) => run()))
}

/**
 * Polls `url` until it answers `expect`, the process exits, or `timeoutMs` passes. Throws with the
 * service's output tail so a failed start is reported with its cause.
 */
export async function waitReady(svc: Service, url: string, timeoutMs: number, expect = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  let exitedWith: string | undefined
  void svc.exited.then((code) => {
    exitedWith = code
  })
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${svc.name} exited (${exitedWith}) before ready.\n${svc.output()}`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.status === expect) return
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`
    } catch (err) {
      last = String((err as Error).cause ?? err)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${svc.name} not ready at ${url} after ${timeoutMs} ms (last: ${last}).\n${svc.output()}`)
}

/**
 * Starts one of the bench's own TypeScript servers (`node --import tsx <script>` from `cwd`) on a free
 * loopback port, passed to it by `env(port)`, and waits until GET /ready answers; stops it on failure.
 */
export async function startScript(
  name: string,
  script: string,
  cwd: string,
  env: (port: number) => Record<string, string>,
): Promise<{ base: string; service: Service }> {
  const port = await freePort()
  const service = startService(name, process.execPath, ['--import', 'tsx', script], {
    cwd,
    env: { ...process.env, ...env(port) },
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitReady(service, `${base}/ready`, 30_000)
  } catch (err) {
    await service.stop()
    throw err
  }
  return { base, service }
}

/** Runs a command to completion with a hard time limit; returns exit code and captured output. */
export function runCommand(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    commands.add(child)
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8')
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      commands.delete(child)
      resolve({ code: null, stdout, stderr: `${stderr}${err.message}`, timedOut })
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      commands.delete(child)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}
