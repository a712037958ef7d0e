// Window options are built and checked in one pure module so a unit test can assert every security flag
// without Electron, and so a later edit that weakens a flag fails at start-up instead of shipping.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron'

/** Flags that must hold for every window we create (Electron security checklist §1). */
export const REQUIRED_WEB_PREFERENCES = {
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
  safeDialogs: true,
} as const satisfies WebPreferences

export interface WindowOptionsInput {
  preloadPath: string
  /** Devtools only in development: a packaged console should not offer a JS console to anyone at the desk. */
  devTools: boolean
  title?: string
}

/** Builds the console window's options with every security flag set explicitly. */
export function consoleWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  const options: BrowserWindowConstructorOptions = {
    title: input.title ?? 'Vigil',
    width: 1280,
    height: 800,
    minWidth: 640,
    minHeight: 400,
    // Shown on 'ready-to-show' to avoid a white flash on a dark wallboard.
    show: false,
    backgroundColor: '#1a1b1e',
    autoHideMenuBar: true,
    webPreferences: {
      ...REQUIRED_WEB_PREFERENCES,
      preload: input.preloadPath,
      devTools: input.devTools,
      spellcheck: false,
    },
  }
  assertSecureOptions(options)
  return options
}

/** Throws if any required security flag is missing or weakened, or a risky option is set. */
export function assertSecureOptions(options: BrowserWindowConstructorOptions): void {
  const prefs = options.webPreferences ?? {}
  const wrong = Object.entries(REQUIRED_WEB_PREFERENCES)
    .filter(([key, value]) => prefs[key as keyof WebPreferences] !== value)
    .map(([key, value]) => `${key} must be ${value}`)
  if (prefs.enableBlinkFeatures) wrong.push('enableBlinkFeatures must not be set')
  if (prefs.preload !== undefined && !/\.cjs$/.test(prefs.preload)) {
    // Sandboxed renderers cannot load ESM preloads; a .mjs here means the build config drifted.
    wrong.push('preload must be the CommonJS bundle (.cjs)')
  }
  if (wrong.length > 0) throw new Error(`insecure window options: ${wrong.join('; ')}`)
}
