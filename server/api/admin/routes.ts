import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../../context'
import { auditRoutes } from './audit'
import { integrationAdminRoutes } from './integrations'
import { teamRoutes } from './teams'
import { userRoutes } from './users'

/** The admin API under /api/v1: users, teams and their members, integrations and their keys, the audit log. */
export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(
    async (scope) => {
      userRoutes(scope, ctx)
      teamRoutes(scope, ctx)
      integrationAdminRoutes(scope, ctx)
      auditRoutes(scope, ctx)
    },
    { prefix: '/api/v1' },
  )
}
