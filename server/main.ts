import pino from 'pino'
import { systemClock } from '../core/time/clock'
import { buildApp } from './app'
import { bootstrap } from './bootstrap'
import { loadConfig } from './config'
import { seedDemo } from './demo'
import { createMetrics } from './metrics'
import { openStore } from './store/store'

/** The executable: configuration from the environment, store, first-start bootstrap, HTTP. */
async function main(): Promise<void> {
  const loaded = loadConfig(process.env)
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`vigil: ${e}\n`)
    process.exit(2)
  }
  const config = loaded.config
  const logger = pino({ level: config.logLevel, base: { service: 'vigil' } })
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  const where = store.dialect === 'sqlite' ? `${config.dataDir}/vigil.sqlite` : 'PostgreSQL'
  logger.info({ store: store.dialect, where }, 'store opened and migrated')

  const deps = { store, clock: systemClock, config, metrics: createMetrics(), logger }
  const boot = await bootstrap(deps)
  if (boot.ownerCreated) {
    const pw = boot.generatedPassword
      ? `password ${boot.generatedPassword} (shown once; change it)`
      : 'the configured password'
    // Printed rather than logged so it appears once, readable, and not in log pipelines.
    process.stdout.write(`Vigil: created owner ${boot.ownerEmail} with ${pw}\n`)
  }

  const { app, ctx } = await buildApp(deps)
  if (config.demo) {
    const seeded = await seedDemo(ctx, boot.teamId)
    if (seeded) logger.info({ alerts: seeded }, 'demo alerts created')
  }
  await app.listen({ host: config.host, port: config.port })

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: finishing in-flight requests')
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 15 s; exiting')
      process.exit(1)
    }, 15_000)
    force.unref()
    await app.close()
    await store.close()
    logger.info('stopped')
    // pino writes asynchronously: flush before exiting so the last lines are not lost.
    logger.flush(() => process.exit(0))
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((err) => {
  process.stderr.write(`vigil: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
