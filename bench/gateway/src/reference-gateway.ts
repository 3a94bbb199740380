// The reference: a gateway built the obvious way. Each request is decoded by protobufjs into JS
// objects, encoded again and forwarded to the backend; the client is answered when the backend
// answers. No queue, no backpressure, no worker threads. Run as its own process:
// `node reference-gateway.js BACKEND_URL` prints {"http": port}.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ExportTraceServiceRequest } from '../../otlp/dist/reference.js';

const backend = new URL(process.argv[2]!);
const pool = new Pool(backend.origin, { connections: 8, pipelining: 1 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Uint8Array;
    try {
      const message = ExportTraceServiceRequest.decode(Buffer.concat(chunks));
      const object = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: Buffer });
      body = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(object)).finish();
    } catch (error) {
      res.writeHead(400).end((error as Error).message);
      return;
    }
    pool.request({ path: '/v1/traces', method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } }).then(
      async (r) => {
        await r.body.dump();
        res.writeHead(r.statusCode === 200 ? 200 : 502, { 'content-type': 'application/x-protobuf' }).end();
      },
      () => res.writeHead(502).end(),
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ http: (server.address() as AddressInfo).port })}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
