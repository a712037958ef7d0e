/** The benchmark contract and the pure part of bench/run.ts's command line handling. */

/** A named benchmark runnable as `tsx bench/run.ts <name> [args…]`. */
export interface Benchmark {
  name: string
  /** One line for the list printed by `bench/run.ts --help`. */
  summary: string
  /** Argument synopsis, shown with --help. */
  usage: string
  /** Runs the benchmark; resolves with the process exit code. */
  run(argv: string[]): Promise<number>
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help'; text: string; exitCode: number }
  | { kind: 'run'; bench: Benchmark; argv: string[] }

/** Help text listing every registered benchmark. */
export function helpText(benches: Benchmark[]): string {
  const width = Math.max(...benches.map((b) => b.name.length), 4)
  const rows = benches.map((b) => `  ${b.name.padEnd(width)}  ${b.summary}`)
  const usages = benches.map((b) => `  ${b.usage.replace(/\n/g, '\n  ')}`)
  return ['usage: tsx bench/run.ts <benchmark> [args…]', '', 'benchmarks:', ...rows, '', ...usages].join('\n')
}

/** Picks the benchmark named by argv[0]; anything unknown or missing yields help (with the reason). */
export function parseCommand(argv: string[], benches: Benchmark[]): Command {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help')
    return { kind: 'help', text: helpText(benches), exitCode: name ? 0 : 2 }
  const bench = benches.find((b) => b.name === name)
  if (!bench)
    return { kind: 'help', text: `unknown benchmark '${name}'\n\n${helpText(benches)}`, exitCode: 2 }
  if (rest.includes('--help') || rest.includes('-h'))
    return { kind: 'help', text: `usage: ${bench.usage}`, exitCode: 0 }
  return { kind: 'run', bench, argv: rest }
}
