/**
 * The ceiling target: a bare node:http server that reads the whole request body and answers 202 with a
 * small Opsgenie-like JSON body. Run as a child process (`node --import tsx bench/ingest/noop-server.ts`)
 * with NOOP_PORT and NOOP_HOST; it stores nothing and parses nothing, so it measures Node's HTTP cost alone.
 */
import { createServer } from 'node:http'

const host = process.env.NOOP_HOST ?? '127.0.0.1'
const port = Number(process.env.NOOP_PORT ?? 0)
const RESPONSE = JSON.stringify({ result: 'Request will be processed', took: 0.001, requestId: 'noop' })

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"ready"}')
    return
  }
  // Drain the body before answering: a real ingest endpoint cannot reply before it has the alert.
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(RESPONSE) })
    res.end(RESPONSE)
  })
})
// Match Vigil's keep-alive behaviour for a benchmark client that holds 32 connections open.
server.keepAliveTimeout = 65_000
server.listen(port, host)

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)))
