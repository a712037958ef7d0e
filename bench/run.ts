/**
 * Entry point: `tsx bench/run.ts <benchmark> [args…]` (npm run bench -- <benchmark>). Each benchmark
 * registers here by name; they are never part of `npm test`.
 */
import { escalationBenchmark } from './escalation/index'
import { ingestBenchmark } from './ingest/index'
import { stopAll } from './lib/proc'
import { type Benchmark, parseCommand } from './lib/registry'
import { oncallBenchmark } from './oncall/index'
import { syncBenchmark } from './sync/index'

/** Every benchmark, by name. New ones (oncall, escalation, sync) are added to this list. */
const BENCHMARKS: Benchmark[] = [ingestBenchmark, oncallBenchmark, escalationBenchmark, syncBenchmark]

// Ctrl-C must not leave servers behind: stop every child we started, then exit.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping targets…`)
    void stopAll().finally(() => process.exit(130))
  })
}

const cmd = parseCommand(process.argv.slice(2), BENCHMARKS)
if (cmd.kind === 'help') {
  console.log(cmd.text)
  process.exitCode = cmd.exitCode
} else {
  try {
    process.exitCode = await cmd.bench.run(cmd.argv)
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 1
  } finally {
    await stopAll()
  }
}
