// Shared by the e2e suites: make sure out/ holds a current electron-vite build, building at most once
// even when vitest runs several e2e files in parallel workers.
import { mkdirSync, rmdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildConsole, consoleBuildIsStale } from '../../scripts/start'

export const ROOT = resolve(import.meta.dirname, '../..')
export const RENDERER_DIR = join(ROOT, 'out/renderer')
export const PRELOAD_FILE = join(ROOT, 'out/preload/index.cjs')

const LOCK = join(tmpdir(), `vigil-e2e-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`)
const STALE_LOCK_MS = 120_000

/** Builds the console with electron-vite if out/ is missing or older than its sources. */
export async function ensureConsoleBuilt(): Promise<void> {
  for (;;) {
    if (!consoleBuildIsStale(ROOT)) return
    try {
      mkdirSync(LOCK) // atomic: exactly one worker wins
    } catch {
      // Another worker builds; wait for it, but not forever if it died holding the lock.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > STALE_LOCK_MS) rmdirSync(LOCK)
      await new Promise((r) => setTimeout(r, 200))
      continue
    }
    try {
      if (!consoleBuildIsStale(ROOT)) return
      const code = await buildConsole(ROOT, 'ignore')
      if (code !== 0)
        throw new Error(`electron-vite build failed (exit ${code}); run npx electron-vite build`)
      return
    } finally {
      rmdirSync(LOCK)
    }
  }
}
