import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  afterElectronExit,
  consoleUrlOf,
  electronMissingLine,
  isBuildStale,
  locateElectron,
  newestMtime,
  serverUrlFromEnv,
} from '../../scripts/start'

describe('start script decisions', () => {
  it('derives the server URL the way server/config.ts binds', () => {
    expect(serverUrlFromEnv({})).toEqual({ ok: true, url: 'http://127.0.0.1:8080' })
    expect(serverUrlFromEnv({ VIGIL_HOST: '0.0.0.0', VIGIL_PORT: '9000' })).toEqual({
      ok: true,
      url: 'http://127.0.0.1:9000',
    })
    expect(serverUrlFromEnv({ VIGIL_HOST: '::' })).toEqual({ ok: true, url: 'http://[::1]:8080' })
    expect(serverUrlFromEnv({ VIGIL_HOST: 'fd00::5' })).toEqual({ ok: true, url: 'http://[fd00::5]:8080' })
    expect(serverUrlFromEnv({ VIGIL_PORT: '0' }).ok).toBe(false)
    expect(serverUrlFromEnv({ VIGIL_PORT: 'http' }).ok).toBe(false)
    expect(consoleUrlOf('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/console/')
  })

  it('rebuilds when an output is missing or older than the newest source', () => {
    expect(isBuildStale([], 1)).toBe(true)
    expect(isBuildStale([10, undefined, 10], 1)).toBe(true)
    expect(isBuildStale([10, 5, 10], 6)).toBe(true)
    expect(isBuildStale([10, 7, 10], 6)).toBe(false)
  })

  it('finds the newest source mtime, skipping node_modules and missing paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-start-'))
    mkdirSync(join(dir, 'src/node_modules'), { recursive: true })
    writeFileSync(join(dir, 'src/a.ts'), '')
    writeFileSync(join(dir, 'src/node_modules/x.js'), '')
    utimesSync(join(dir, 'src/a.ts'), 1000, 1000)
    utimesSync(join(dir, 'src/node_modules/x.js'), 5000, 5000)
    expect(newestMtime([join(dir, 'src'), join(dir, 'missing')])).toBe(1000_000)
    rmSync(dir, { recursive: true, force: true })
  })

  it('locates Electron without loading the package (which would download it)', () => {
    const base = { electronDir: '/r/node_modules/electron', overrideDistPath: undefined }
    const has =
      (...paths: string[]) =>
      (p: string) =>
        paths.includes(p)
    const pkg = '/r/node_modules/electron/package.json'
    expect(locateElectron({ ...base, pathTxt: undefined, exists: has() })).toEqual({
      ok: false,
      reason: 'the electron package is not installed',
    })
    expect(locateElectron({ ...base, pathTxt: undefined, exists: has(pkg) })).toEqual({
      ok: false,
      reason: 'no binary in node_modules/electron',
    })
    expect(locateElectron({ ...base, pathTxt: 'electron', exists: has(pkg) }).ok).toBe(false)
    expect(
      locateElectron({
        ...base,
        pathTxt: 'electron\n',
        exists: has(pkg, '/r/node_modules/electron/dist/electron'),
      }),
    ).toEqual({ ok: true, binary: '/r/node_modules/electron/dist/electron' })
    expect(
      locateElectron({ ...base, overrideDistPath: '/nonexistent', pathTxt: undefined, exists: has(pkg) }),
    ).toEqual({ ok: false, reason: 'no binary at /nonexistent/electron' })
  })

  it('says in one line where the browser console is and what the desktop needs', () => {
    const line = electronMissingLine('http://127.0.0.1:8080/console/', 'no binary in node_modules/electron')
    expect(line).not.toContain('\n')
    expect(line).toMatch(/^Vigil: the Electron runtime is not installed here \(/)
    expect(line).toContain('Node 22.12+')
    expect(line).toContain('the console is served at http://127.0.0.1:8080/console/ — open it in a browser.')
  })

  it('stops the server only when the desktop console quits normally', () => {
    expect(afterElectronExit(0)).toBe('stop-server')
    expect(afterElectronExit(1)).toBe('keep-server')
    expect(afterElectronExit(null)).toBe('keep-server')
  })
})
