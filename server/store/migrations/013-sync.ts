import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../dialect'

/**
 * Replication (issue 4): a change sequence on every replicated table, tombstones for deletions, the
 * console's alert-command outbox, and on PostgreSQL the Socket.IO adapter's attachment table.
 *
 * The sequence never lets a pull skip a late commit: every write to a replicated table takes its value
 * from the `counters` row 'change_seq' inside the writing transaction, the same row group commit's
 * `batch.next('change_seq')` reserves from. The row lock serializes writers, so sequence order is commit
 * order (DESIGN "A change sequence that never skips", first way). Triggers do it, so the HTTP routes need
 * no change:
 * - PostgreSQL: deferred constraint triggers (AFTER INSERT OR UPDATE, run at COMMIT) take the value with
 *   `UPDATE counters … RETURNING` and write it into the row: the counter is the last lock a transaction
 *   takes, after its row locks, as every other writer keeps it;
 * - SQLite: AFTER INSERT / AFTER UPDATE (when the statement left change_seq alone) bump the counter and
 *   write it into the row (recursive triggers are off, and the guard stops the second update anyway).
 * Deletions insert or refresh a tombstone (collection, id, change_seq, team or user scope).
 *
 * Not triggered: `alerts` (ingest sets change_seq itself; only deletes leave a tombstone) and inserts into
 * `alert_logs`, which group commit numbers in Batch.flush from its reserved block; a fallback trigger
 * numbers a log row inserted any other way (change_seq NULL) at one counter update per row.
 */

/** Replicated tables with an insert/update trigger: collection and the scope a tombstone keeps. */
const TRACKED: ReadonlyArray<{ table: string; collection: string; team?: string; user?: string }> = [
  { table: 'users', collection: 'users' },
  { table: 'teams', collection: 'teams' },
  { table: 'integrations', collection: 'integrations', team: 'team_id' },
  { table: 'schedules', collection: 'schedules', team: 'team_id' },
  { table: 'schedule_overrides', collection: 'overrides', team: '@schedule' },
  { table: 'escalation_policies', collection: 'escalationPolicies', team: 'team_id' },
  { table: 'routing_rules', collection: 'routingRules', team: 'team_id' },
  { table: 'heartbeats', collection: 'monitoring', team: 'team_id' },
  { table: 'maintenance_windows', collection: 'monitoring', team: 'team_id' },
  { table: 'contacts', collection: 'me', user: 'user_id' },
  { table: 'notification_rules', collection: 'me', user: 'user_id' },
]

/** Tables that only need tombstones (their change_seq is set by the code that writes them). */
const DELETE_ONLY: ReadonlyArray<{ table: string; collection: string; team?: string; user?: string }> = [
  { table: 'alerts', collection: 'alerts', team: 'team_id' },
  { table: 'alert_logs', collection: 'alertLogs', team: '@alert' },
  { table: 'sync_commands', collection: 'alertCommands', user: 'user_id' },
]

/** Adds change sequences, triggers, tombstones, the command outbox and the adapter table. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const ms = 'bigint'
  await sql`insert into counters (name, value) values ('change_seq', 0) on conflict (name) do nothing`.execute(
    db,
  )

  await db.schema
    .createTable('sync_tombstones')
    .addColumn('collection', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('change_seq', ms, (c) => c.notNull())
    // Who may learn of the deletion: a team's members, one user, or (both NULL) everyone.
    .addColumn('team_id', 'text')
    .addColumn('user_id', 'text')
    .addPrimaryKeyConstraint('sync_tombstones_pk', ['collection', 'id'])
    .execute()
  await db.schema
    .createIndex('sync_tombstones_seq')
    .on('sync_tombstones')
    .columns(['collection', 'change_seq'])
    .execute()

  // The console's alert actions: applied once per client-made id (the primary key is the dedup).
  await db.schema
    .createTable('sync_commands')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('processed_at', ms)
    .addColumn('change_seq', ms, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sync_commands_seq').on('sync_commands').column('change_seq').execute()

  // Which teams a checkpoint's scope (a hash) stood for, so a pull can retract what a user no longer sees.
  await db.schema
    .createTable('sync_scopes')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('admin', 'integer', (c) => c.notNull())
    .addColumn('teams', 'text', (c) => c.notNull())
    .execute()

  for (const t of TRACKED) {
    await db.schema.alterTable(t.table).addColumn('change_seq', ms).execute()
    await db.schema.createIndex(`${t.table}_change_seq`).on(t.table).column('change_seq').execute()
  }
  await db.schema.alterTable('alert_logs').addColumn('change_seq', ms).execute()
  await db.schema.createIndex('alert_logs_change_seq').on('alert_logs').column('change_seq').execute()

  // Number what exists before the triggers exist: no trigger events are left pending in the migration's
  // transaction (PostgreSQL refuses a later ALTER TABLE of a table with pending deferred events).
  for (const table of [...TRACKED.map((t) => t.table), 'alert_logs']) await numberRows(db, table)

  if (dialect === 'postgres') await postgresTriggers(db)
  else await sqliteTriggers(db)

  if (dialect === 'postgres') {
    // @socket.io/postgres-adapter's table for payloads too large for NOTIFY (its documented schema).
    await sql`create table if not exists socket_io_attachments (
      id bigserial unique,
      created_at timestamptz default now(),
      payload bytea
    )`.execute(db)
  }
}

/** Gives every existing row of a table its own change_seq from the counter, in id order. */
async function numberRows(db: Kysely<unknown>, table: string): Promise<void> {
  const base = await sql<{
    value: string | number
  }>`select value from counters where name = 'change_seq'`.execute(db)
  const start = Number(base.rows[0]?.value ?? 0)
  const n = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table)}`.execute(db)
  const count = Number(n.rows[0]?.n ?? 0)
  if (count === 0) return
  await sql`update ${sql.table(table)} set change_seq = ${start} + r.rn
    from (select id, row_number() over (order by id) as rn from ${sql.table(table)}) r
    where ${sql.ref(`${table}.id`)} = r.id`.execute(db)
  await sql`update counters set value = value + ${count} where name = 'change_seq'`.execute(db)
}

/** The scope of a deleted row (its team or user) as SQL over OLD, or NULL (everyone). */
function scopeSql(expr: string | undefined): string {
  if (!expr) return 'NULL'
  if (expr === '@schedule') return '(SELECT team_id FROM schedules WHERE id = OLD.schedule_id)'
  if (expr === '@alert') return '(SELECT team_id FROM alerts WHERE id = OLD.alert_id)'
  return `OLD.${expr}`
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  // Deferred to COMMIT: the counter row is locked last in every transaction, after whatever rows it
  // locked (the lock order the engine and ingest keep: rows first, counters last). Taking it at the first
  // row write instead deadlocks two instances that touch the same rows in different orders. The inner
  // UPDATE runs at trigger depth 1, which the WHEN clauses ignore, so it does not queue itself again.
  await sql
    .raw(`CREATE OR REPLACE FUNCTION vigil_sync_seq() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE seq bigint;
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value INTO seq;
  EXECUTE format('UPDATE %I SET change_seq = $1 WHERE id = $2', TG_TABLE_NAME) USING seq, NEW.id;
  RETURN NULL;
END $$`)
    .execute(db)
  // A membership change is a change of the team document.
  await sql
    .raw(`CREATE OR REPLACE FUNCTION vigil_sync_touch_team() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE seq bigint;
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value INTO seq;
  IF TG_OP = 'DELETE' THEN
    UPDATE teams SET change_seq = seq WHERE id = OLD.team_id;
  ELSE
    UPDATE teams SET change_seq = seq WHERE id = NEW.team_id;
    IF TG_OP = 'UPDATE' AND OLD.team_id <> NEW.team_id THEN
      UPDATE teams SET change_seq = seq WHERE id = OLD.team_id;
    END IF;
  END IF;
  RETURN NULL;
END $$`)
    .execute(db)
  const deferred = 'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW'
  for (const t of TRACKED) {
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER ${t.table}_sync_seq AFTER INSERT OR UPDATE ON ${t.table}
        ${deferred} WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION vigil_sync_seq()`)
      .execute(db)
  }
  await sql
    .raw(`CREATE CONSTRAINT TRIGGER alert_logs_sync_seq AFTER INSERT ON alert_logs
      ${deferred} WHEN (NEW.change_seq IS NULL AND pg_trigger_depth() = 0) EXECUTE FUNCTION vigil_sync_seq()`)
    .execute(db)
  await sql
    .raw(`CREATE CONSTRAINT TRIGGER team_members_sync_touch AFTER INSERT OR UPDATE OR DELETE ON team_members
      ${deferred} EXECUTE FUNCTION vigil_sync_touch_team()`)
    .execute(db)
  for (const t of [...TRACKED, ...DELETE_ONLY]) {
    await sql
      .raw(`CREATE OR REPLACE FUNCTION ${t.table}_sync_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE seq bigint;
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value INTO seq;
  INSERT INTO sync_tombstones (collection, id, change_seq, team_id, user_id)
    VALUES ('${t.collection}', OLD.id::text, seq, ${scopeSql(t.team)}, ${scopeSql(t.user)})
    ON CONFLICT (collection, id) DO UPDATE
      SET change_seq = excluded.change_seq, team_id = excluded.team_id, user_id = excluded.user_id;
  RETURN NULL;
END $$`)
      .execute(db)
    await sql
      .raw(`CREATE CONSTRAINT TRIGGER ${t.table}_sync_delete AFTER DELETE ON ${t.table}
        ${deferred} EXECUTE FUNCTION ${t.table}_sync_tombstone()`)
      .execute(db)
  }
}

const NEXT_SQLITE = `UPDATE counters SET value = value + 1 WHERE name = 'change_seq';`
const CURRENT_SQLITE = `(SELECT value FROM counters WHERE name = 'change_seq')`

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  for (const t of TRACKED) {
    await sql
      .raw(`CREATE TRIGGER ${t.table}_sync_ins AFTER INSERT ON ${t.table} BEGIN
        ${NEXT_SQLITE}
        UPDATE ${t.table} SET change_seq = ${CURRENT_SQLITE} WHERE rowid = NEW.rowid;
      END`)
      .execute(db)
    await sql
      .raw(`CREATE TRIGGER ${t.table}_sync_upd AFTER UPDATE ON ${t.table}
        WHEN NEW.change_seq IS OLD.change_seq BEGIN
        ${NEXT_SQLITE}
        UPDATE ${t.table} SET change_seq = ${CURRENT_SQLITE} WHERE rowid = NEW.rowid;
      END`)
      .execute(db)
  }
  await sql
    .raw(`CREATE TRIGGER alert_logs_sync_ins AFTER INSERT ON alert_logs WHEN NEW.change_seq IS NULL BEGIN
      ${NEXT_SQLITE}
      UPDATE alert_logs SET change_seq = ${CURRENT_SQLITE} WHERE id = NEW.id;
    END`)
    .execute(db)
  for (const [event, ref] of [
    ['INSERT', 'NEW'],
    ['DELETE', 'OLD'],
    ['UPDATE', 'NEW'],
  ] as const) {
    await sql
      .raw(`CREATE TRIGGER team_members_sync_${event.toLowerCase()} AFTER ${event} ON team_members BEGIN
        ${NEXT_SQLITE}
        UPDATE teams SET change_seq = ${CURRENT_SQLITE} WHERE id = ${ref}.team_id;
      END`)
      .execute(db)
  }
  for (const t of [...TRACKED, ...DELETE_ONLY]) {
    await sql
      .raw(`CREATE TRIGGER ${t.table}_sync_delete AFTER DELETE ON ${t.table} BEGIN
        ${NEXT_SQLITE}
        INSERT INTO sync_tombstones (collection, id, change_seq, team_id, user_id)
          VALUES ('${t.collection}', CAST(OLD.id AS TEXT), ${CURRENT_SQLITE},
            ${scopeSql(t.team)}, ${scopeSql(t.user)})
          ON CONFLICT (collection, id) DO UPDATE
            SET change_seq = excluded.change_seq, team_id = excluded.team_id, user_id = excluded.user_id;
      END`)
      .execute(db)
  }
}
