/**
 * The reference target: a tiny Socket.IO server that, told by `POST /v2/alerts` with a document as the
 * body, answers 202 and broadcasts that document to every connected client as a `sync:stream` message of
 * the same shape Vigil streams. It stores, filters and checks nothing: it measures the cost of Socket.IO
 * fan-out alone. Run as a child process (`node --import tsx bench/sync/raw-server.ts`) with RAW_PORT.
 */
import { createServer } from 'node:http'
import { Server } from 'socket.io'

const port = Number(process.env.RAW_PORT ?? 0)
const RESPONSE = JSON.stringify({ result: 'Request will be processed', took: 0.001, requestId: 'raw' })
let seq = 0

const http = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"ready"}')
    return
  }
  if (req.method !== 'POST' || req.url !== '/v2/alerts') {
    res.writeHead(404).end()
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    let doc: unknown
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(400).end()
      return
    }
    // Answer first, then stream: Vigil too answers 202 once the write is durable and streams after.
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(RESPONSE) })
    res.end(RESPONSE)
    io.emit('sync:stream', { collection: 'alerts', documents: [doc], checkpoint: { seq: ++seq } })
  })
})
const io = new Server(http, { serveClient: false, cors: { origin: true } })
http.keepAliveTimeout = 65_000
http.listen(port, '127.0.0.1')

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    io.close()
    process.exit(0)
  })
}
