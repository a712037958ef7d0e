/** Appending a section to bench/RESULTS.md, the one file every benchmark reports to. */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './servers'

/** Where sections are appended. */
export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'RESULTS.md')

const RESULTS_HEADER = `# Benchmark results

Sections are appended by \`npm run bench -- <name>\` (bench/run.ts); earlier sections are never rewritten.
Figures from different machines are not comparable; compare targets within one section.

`

/** Appends a section (creating the file with its header if needed); earlier sections are left as they are. */
export function appendResults(section: string): void {
  if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER)
  appendFileSync(RESULTS_FILE, `\n${section}`)
}
