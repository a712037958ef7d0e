// `npm start`: build the console if needed, start the server, wait until it is healthy, then open the
// Electron console, or, where the Electron runtime is absent, say in one line where the browser console is.
// Decisions are pure exported functions (unit-tested); main() only does the I/O.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const ROOT = resolve(import.meta.dirname, '..')

/** Files the build produces; all must exist and be newer than every source for the build to be fresh. */
export const BUILD_OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']
/** Inputs of the console build (core is imported by main and renderer). */
export const BUILD_INPUTS = [
  'src-main',
  'src-renderer',
  'core',
  'electron.vite.config.ts',
  'package.json',
  'package-lock.json',
]

/** The URL the local server will answer on, from VIGIL_HOST / VIGIL_PORT (server/config.ts defaults). */
export function serverUrlFromEnv(
  env: Record<string, string | undefined>,
): { ok: true; url: string } | { ok: false; error: string } {
  const rawHost = env.VIGIL_HOST || '127.0.0.1'
  const port = env.VIGIL_PORT || '8080'
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return { ok: false, error: `VIGIL_PORT must be 1-65535 for npm start (got '${port}')` }
  }
  // A wildcard bind address is not something to connect to; use loopback of the same family.
  const host = rawHost === '0.0.0.0' ? '127.0.0.1' : rawHost === '::' ? '::1' : rawHost
  return { ok: true, url: `http://${host.includes(':') ? `[${host}]` : host}:${Number(port)}` }
}

/** The browser address of the console on a server. */
export const consoleUrlOf = (serverUrl: string): string => `${serverUrl}/console/`

/** True when any build output is missing or older than the newest source (mtimes in ms). */
export function isBuildStale(
  outputMtimes: readonly (number | undefined)[],
  newestSourceMtime: number,
): boolean {
  if (outputMtimes.length === 0 || outputMtimes.some((m) => m === undefined)) return true
  return Math.min(...(outputMtimes as number[])) < newestSourceMtime
}

export type ElectronLocation = { ok: true; binary: string } | { ok: false; reason: string }

/**
 * Finds the Electron binary the way node_modules/electron/index.js does, without loading that file:
 * loading it starts a download when the binary is missing, which we must never do here.
 */
export function locateElectron(input: {
  electronDir: string
  pathTxt: string | undefined
  overrideDistPath: string | undefined
  exists(path: string): boolean
}): ElectronLocation {
  if (!input.exists(join(input.electronDir, 'package.json'))) {
    return { ok: false, reason: 'the electron package is not installed' }
  }
  const name = input.pathTxt?.trim()
  if (input.overrideDistPath) {
    const binary = join(input.overrideDistPath, name || 'electron')
    return input.exists(binary) ? { ok: true, binary } : { ok: false, reason: `no binary at ${binary}` }
  }
  if (!name) return { ok: false, reason: 'no binary in node_modules/electron' }
  const binary = join(input.electronDir, 'dist', name)
  return input.exists(binary)
    ? { ok: true, binary }
    : { ok: false, reason: `no binary at node_modules/electron/dist/${name}` }
}

/** The single line printed when the desktop console cannot start here. */
export function electronMissingLine(consoleUrl: string, reason: string): string {
  return (
    `Vigil: the Electron runtime is not installed here (${reason}; desktop use needs Node 22.12+ and ` +
    `\`npx install-electron\`); the console is served at ${consoleUrl} — open it in a browser.`
  )
}

/** After the desktop console exits: a normal quit stops the server too; a crash leaves it serving browsers. */
export function afterElectronExit(code: number | null): 'stop-server' | 'keep-server' {
  return code === 0 ? 'stop-server' : 'keep-server'
}

/** Newest mtime (ms) under the given paths, skipping missing ones. */
export function newestMtime(paths: readonly string[]): number {
  let newest = 0
  const visit = (path: string) => {
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(path)
    } catch {
      return
    }
    if (!st.isDirectory()) {
      newest = Math.max(newest, st.mtimeMs)
      return
    }
    for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry))
  }
  for (const path of paths) visit(path)
  return newest
}

const mtimeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** Whether the console build in `root` needs (re)building. */
export function consoleBuildIsStale(root: string): boolean {
  const outputs = BUILD_OUTPUTS.map((p) => mtimeOf(join(root, p)))
  return isBuildStale(outputs, newestMtime(BUILD_INPUTS.map((p) => join(root, p))))
}

/** Runs `electron-vite build` in `root`; resolves with its exit code. */
export function buildConsole(root: string, stdio: 'inherit' | 'ignore' = 'inherit'): Promise<number> {
  const cli = join(root, 'node_modules/electron-vite/bin/electron-vite.js')
  const child = spawn(process.execPath, [cli, 'build'], { cwd: root, stdio })
  return new Promise((done) => child.on('exit', (code) => done(code ?? 1)))
}

const say = (line: string) => process.stdout.write(`${line}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitForHealth(url: string, server: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && server.exitCode === null && server.signalCode === null) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      // Re-check: another server already on the port would answer while ours dies on EADDRINUSE.
      if (res.ok) return server.exitCode === null
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  return false
}

async function main(): Promise<void> {
  const server = serverUrlFromEnv(process.env)
  if (!server.ok) {
    say(`Vigil: ${server.error}`)
    process.exit(2)
  }
  if (consoleBuildIsStale(ROOT)) {
    say('Vigil: building the console (electron-vite build)…')
    const code = await buildConsole(ROOT)
    if (code !== 0) {
      say(`Vigil: the console build failed (exit ${code})`)
      process.exit(code)
    }
  } else {
    say('Vigil: the console build in out/ is up to date')
  }

  // Own process group, so a terminal Ctrl-C reaches the server once (forwarded below), not twice.
  const children = new Set<ChildProcess>()
  const child = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit', detached: true })
    children.add(proc)
    proc.on('exit', () => children.delete(proc))
    return proc
  }
  // npm start is the first look at Vigil: seed demo alerts into an empty store unless told otherwise.
  const serverEnv = { VIGIL_DEMO: '1', ...process.env }
  const serverProc = child(process.execPath, ['--import', 'tsx', 'server/main.ts'], serverEnv)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      for (const proc of children) proc.kill(signal)
    })
  }
  process.on('exit', () => {
    for (const proc of children) proc.kill('SIGTERM')
  })
  serverProc.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)))

  if (!(await waitForHealth(server.url, serverProc, 60_000))) {
    say(`Vigil: the server did not become healthy at ${server.url}/health`)
    serverProc.kill('SIGTERM')
    return
  }
  const consoleUrl = consoleUrlOf(server.url)
  const electronDir = join(ROOT, 'node_modules/electron')
  const pathTxt = join(electronDir, 'path.txt')
  const electron = locateElectron({
    electronDir,
    pathTxt: existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8') : undefined,
    overrideDistPath: process.env.ELECTRON_OVERRIDE_DIST_PATH,
    exists: existsSync,
  })
  if (!electron.ok) {
    say(electronMissingLine(consoleUrl, electron.reason))
    return // the server keeps running until Ctrl-C
  }
  say(`Vigil: opening the desktop console (${consoleUrl})`)
  const app = child(electron.binary, ['.'], { ...process.env, VIGIL_SERVER_URL: server.url })
  app.on('exit', (code) => {
    if (afterElectronExit(code) === 'stop-server') serverProc.kill('SIGTERM')
    else say(`Vigil: the desktop console exited (code ${code}); the server keeps serving ${consoleUrl}`)
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    say(`Vigil: start failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
