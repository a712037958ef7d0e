/**
 * The durable floor: the least any durable Node ingest can do per alert, to show what the goals
 * ask of this machine. node:http, the body read and JSON-parsed, the key compared, one prepared SQLite
 * upsert per alert (dedup on alias) in a group commit, and the WAL fsynced before the 202, as Vigil does.
 * No validation, no alert log, no tags, no routing, no metrics, no request status: Vigil must do all of
 * those, so it cannot beat this. Run as a child (`node --import tsx bench/ingest/floor-server.ts`) with
 * FLOOR_PORT, FLOOR_HOST, FLOOR_DIR (a fresh directory) and FLOOR_KEY.
 */
import { open } from 'node:fs/promises'
import { createServer, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'

const host = process.env.FLOOR_HOST ?? '127.0.0.1'
const port = Number(process.env.FLOOR_PORT ?? 0)
const dir = process.env.FLOOR_DIR ?? '.'
const expectedAuth = `GenieKey ${process.env.FLOOR_KEY ?? ''}`

const file = join(dir, 'floor.sqlite')
const db = new BetterSqlite3(file)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.exec(`create table if not exists alerts (
  id integer primary key, alias text not null unique, message text not null, count integer not null,
  last_at integer not null)`)
const upsert = db.prepare(`insert into alerts (alias, message, count, last_at) values (?, ?, 1, ?)
  on conflict (alias) do update set count = count + 1, last_at = excluded.last_at`)
const wal = await open(`${file}-wal`, 'r')

type Job = { alias: string; message: string; res: ServerResponse }
let queue: Job[] = []
let scheduled = false
/** Committed batches waiting for an fsync; while one runs, the next covers every batch committed meanwhile. */
let unsynced: Job[] = []
let syncing = false
const ACCEPTED = JSON.stringify({ result: 'Request will be processed', took: 0.001, requestId: 'floor' })

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** One transaction for every queued alert, then one WAL fsync, then the answers. */
function flush(): void {
  scheduled = false
  const jobs = queue
  queue = []
  const now = Date.now()
  db.transaction(() => {
    for (const j of jobs) upsert.run(j.alias, j.message, now)
  })()
  unsynced.push(...jobs)
  if (!syncing) void syncWal()
}

async function syncWal(): Promise<void> {
  syncing = true
  while (unsynced.length > 0) {
    const jobs = unsynced
    unsynced = []
    await wal.sync()
    for (const j of jobs) answer(j.res, 202, ACCEPTED)
  }
  syncing = false
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') return answer(res, 200, '{"result":"ready"}')
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    if (req.headers.authorization !== expectedAuth) return answer(res, 401, '{"message":"Unauthorized"}')
    let alert: { alias?: unknown; message?: unknown }
    try {
      alert = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return answer(res, 400, '{"message":"Malformed JSON"}')
    }
    if (typeof alert.message !== 'string' || typeof alert.alias !== 'string')
      return answer(res, 422, '{"message":"message and alias are required"}')
    queue.push({ alias: alert.alias, message: alert.message, res })
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
})
server.keepAliveTimeout = 65_000
server.listen(port, host)

for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.on(sig, () =>
    server.close(() => {
      db.close()
      process.exit(0)
    }),
  )
