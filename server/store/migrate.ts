import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import type { Dialect } from './dialect'
import * as m001 from './migrations/001-initial'
import * as m002 from './migrations/002-drop-alias-index'
import * as m003 from './migrations/003-heartbeats'
import * as m004 from './migrations/004-audit-log'
import * as m005 from './migrations/005-schedules'
import * as m006 from './migrations/006-escalations-routing'
import * as m007 from './migrations/007-contacts-notification-rules'
import * as m008 from './migrations/008-policies-maintenance'
import * as m009 from './migrations/009-snoozed-index'
import * as m010 from './migrations/010-escalation-notifications'
import * as m012 from './migrations/012-deliveries'
import * as m013 from './migrations/013-sync'

type MigrationModule = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> }

/** Every migration in order; names sort lexically, so keep the numeric prefix. */
const MIGRATIONS: Record<string, MigrationModule> = {
  '001-initial': m001,
  '002-drop-alias-index': m002,
  '003-heartbeats': m003,
  '004-audit-log': m004,
  '005-schedules': m005,
  '006-escalations-routing': m006,
  '007-contacts-notification-rules': m007,
  '008-policies-maintenance': m008,
  '009-snoozed-index': m009,
  '010-escalation-notifications': m010,
  '012-deliveries': m012,
  '013-sync': m013,
}

class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {}
    for (const [name, mod] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => mod.up(db, this.dialect) }
    }
    return out
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; on PostgreSQL a
  // database holding several Vigil schemas (tests, staging) would find another schema's lock table.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined
  const migrator = new Migrator({
    db,
    provider: new CodeMigrationProvider(dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  let { error, results } = await migrator.migrateToLatest()
  // Kysely's introspection reads every schema's catalog; another schema dropped at that moment (a test
  // suite finishing, an operator cleaning up) fails it with "schema … does not exist" before anything of
  // ours ran. Such a failure names no migration and is safe to retry.
  for (
    let attempt = 1;
    error && !results?.length && attempt <= 5 && isConcurrentSchemaDrop(error);
    attempt++
  ) {
    await new Promise((r) => setTimeout(r, 20 * attempt))
    ;({ error, results } = await migrator.migrateToLatest())
  }
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const where = failed ? ` in migration ${failed.migrationName}` : ''
    throw new Error(
      `database migration failed${where}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

function isConcurrentSchemaDrop(err: unknown): boolean {
  return (
    err instanceof Error && /schema "[^"]+" does not exist|relation "[^"]+" does not exist/.test(err.message)
  )
}
