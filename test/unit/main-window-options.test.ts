import { describe, expect, it } from 'vitest'
import {
  assertSecureOptions,
  consoleWindowOptions,
  REQUIRED_WEB_PREFERENCES,
} from '../../src-main/window-options'

describe('console window options', () => {
  const options = consoleWindowOptions({ preloadPath: '/app/out/preload/index.cjs', devTools: false })

  it('sets every security flag explicitly', () => {
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
      preload: '/app/out/preload/index.cjs',
    })
    expect(options.webPreferences?.enableBlinkFeatures).toBeUndefined()
    expect(options.show).toBe(false)
  })

  it('rejects any weakened flag', () => {
    for (const key of Object.keys(REQUIRED_WEB_PREFERENCES) as (keyof typeof REQUIRED_WEB_PREFERENCES)[]) {
      const bad = {
        ...options,
        webPreferences: { ...options.webPreferences, [key]: !REQUIRED_WEB_PREFERENCES[key] },
      }
      expect(() => assertSecureOptions(bad), key).toThrow(`${key} must be ${REQUIRED_WEB_PREFERENCES[key]}`)
    }
    const { sandbox: _omitted, ...withoutSandbox } = options.webPreferences ?? {}
    expect(() => assertSecureOptions({ webPreferences: withoutSandbox })).toThrow('sandbox must be true')
    expect(() =>
      assertSecureOptions({ webPreferences: { ...options.webPreferences, enableBlinkFeatures: 'X' } }),
    ).toThrow('enableBlinkFeatures')
  })

  it('requires the CommonJS preload, which sandboxed renderers need', () => {
    expect(() => consoleWindowOptions({ preloadPath: '/app/out/preload/index.mjs', devTools: true })).toThrow(
      'preload must be the CommonJS bundle',
    )
  })
})
