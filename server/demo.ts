import { normalizeCreate } from '../core/alerts/normalize'
import { newId } from '../core/ids/ids'
import type { CreateAlertPayload } from '../core/model/alert'
import type { AppContext } from './context'

const DEMO_ALERTS: Array<CreateAlertPayload & { followUp?: 'acknowledge' | 'close' }> = [
  {
    message: 'CPU above 95% on web-1 for 10 minutes',
    alias: 'demo-cpu-web-1',
    priority: 'P2',
    tags: ['web', 'cpu'],
    source: 'prometheus',
    entity: 'web-1',
  },
  {
    message: 'Disk /var 97% full on db-1',
    alias: 'demo-disk-db-1',
    priority: 'P1',
    tags: ['db', 'disk'],
    source: 'prometheus',
    entity: 'db-1',
    details: { mount: '/var', used: '97%' },
  },
  {
    message: 'Checkout latency p99 over 2 s',
    alias: 'demo-latency-checkout',
    priority: 'P2',
    tags: ['checkout', 'slo'],
    source: 'grafana',
    followUp: 'acknowledge',
  },
  {
    message: 'Certificate for api.example.com expires in 7 days',
    alias: 'demo-cert-api',
    priority: 'P4',
    tags: ['tls'],
    source: 'blackbox',
  },
  {
    message: 'Replication lag 45 s on db-2',
    alias: 'demo-replag-db-2',
    priority: 'P3',
    tags: ['db'],
    source: 'prometheus',
    entity: 'db-2',
    followUp: 'acknowledge',
  },
  {
    message: 'Queue depth above 10k on orders',
    alias: 'demo-queue-orders',
    priority: 'P3',
    tags: ['queue'],
    source: 'rabbitmq',
  },
  {
    message: 'Backup job failed on nas-1',
    alias: 'demo-backup-nas-1',
    priority: 'P3',
    tags: ['backup'],
    source: 'cron',
    followUp: 'close',
  },
  {
    message: 'Error rate 5% on payments API',
    alias: 'demo-errors-payments',
    priority: 'P1',
    tags: ['payments', 'slo'],
    source: 'grafana',
  },
  {
    message: 'Pod crash looping: search-indexer',
    alias: 'demo-crashloop-search',
    priority: 'P3',
    tags: ['k8s'],
    source: 'alertmanager',
    followUp: 'close',
  },
  {
    message: 'Memory above 90% on cache-3',
    alias: 'demo-mem-cache-3',
    priority: 'P4',
    tags: ['cache'],
    source: 'prometheus',
  },
]

/** Fills an empty store with a handful of realistic alerts so a first look at the console shows something. */
export async function seedDemo(ctx: AppContext, teamId: string): Promise<number> {
  const existing = await ctx.store.db.selectFrom('alerts').select('id').limit(1).executeTakeFirst()
  if (existing) return 0
  for (const { followUp, ...payload } of DEMO_ALERTS) {
    const n = normalizeCreate(payload, { source: 'demo', user: 'demo' })
    if (!n.ok) continue
    const created = await ctx.alerts.create(n.value, teamId, null, newId(ctx.clock.now()))
    if (followUp) {
      const admin = {
        kind: 'user',
        userId: '',
        username: 'demo',
        role: 'owner',
        sessionId: '',
        teams: new Map(),
      } as const
      await ctx.alerts.act(
        admin,
        created.alertId,
        'id',
        { type: followUp },
        { user: 'demo', source: 'demo' },
        newId(ctx.clock.now()),
      )
    }
  }
  return DEMO_ALERTS.length
}
