import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { describe } from 'vitest'

/** Debian's Chromium (apt-get install -y chromium); never a browser downloaded by Playwright. */
export const CHROMIUM = '/usr/bin/chromium'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/**
 * `describe` when Chromium is here; locally a missing Chromium skips the suite with a one-line reason, on
 * CI (which installs it) the suite runs and fails instead.
 */
export function describeWithChromium(suite: string): typeof describe | typeof describe.skip {
  const present = existsSync(CHROMIUM)
  if (!present) console.warn(`${suite}: skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)
  return present || process.env.CI ? describe : describe.skip
}

/** Launches headless Chromium with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}
