import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../core/time/clock'
import type { DesktopGateway } from './channels/desktop'
import type { ServerConfig } from './config'
import type { Metrics } from './metrics'
import type { Store } from './store/store'

/** What the app is built from; tests pass their own store, clock and config. */
export interface AppDeps {
  store: Store
  clock: Clock
  config: ServerConfig
  metrics: Metrics
  logger: FastifyBaseLogger
  /** Reaches users' connected desktop apps; none connected when absent (desktop deliveries undeliverable). */
  desktop?: DesktopGateway
}
