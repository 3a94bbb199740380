// The reference gateway: a store-and-forward OTLP/HTTP gateway built the obvious way, doing the
// work Cairn's default pass-through config does. A request is read, handed to a worker thread
// (protobufjs decode → ownership and id checks → encode; see checks.ts), committed to SQLite in
// one transaction, and only then answered 200; a forwarder drains the queue to the backend.
// Limits as in the bench's Cairn config: bytes in flight (429 beyond) and queue size (503).
// Run as its own process: `node gateway.js SETTINGS_JSON` prints {"http": port}.
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Forwarder, type ForwarderSettings } from './forwarder.js';
import { ReferenceQueue } from './queue.js';
import type { WorkerReply } from './worker.js';

export interface ReferenceSettings extends ForwarderSettings {
  backend: string;
  storage: string;
  workers: number;
  services: string[];
  maxInFlightBytes: number;
  maxQueueBytes: number;
  maxRequestBytes: number;
}

const settings = JSON.parse(process.argv[2]!) as ReferenceSettings;
mkdirSync(settings.storage, { recursive: true });
const queue = new ReferenceQueue(join(settings.storage, 'queue.db'), settings.maxQueueBytes);
const forwarder = new Forwarder(new URL(settings.backend), queue, settings);

interface Slot { worker: Worker; busy: number; pending: Map<number, (reply: WorkerReply) => void> }
const slots: Slot[] = Array.from({ length: settings.workers }, () => {
  const slot: Slot = { worker: new Worker(new URL('./worker.js', import.meta.url), { workerData: { services: settings.services } }), busy: 0, pending: new Map() };
  slot.worker.on('message', (reply: WorkerReply) => {
    const done = slot.pending.get(reply.id);
    slot.pending.delete(reply.id);
    slot.busy--;
    done?.(reply);
  });
  // A dead worker fails its requests (answered 400 below) instead of leaving them hanging; the
  // benchmark then sees the errors. The reference does not respawn: a bench run must not hide it.
  slot.worker.on('error', (error) => {
    for (const [id, done] of slot.pending) done({ id, ok: false, message: `worker died: ${error.message}` });
    slot.pending.clear();
  });
  return slot;
});
let nextId = 1;
function processOnWorker(body: Buffer): Promise<WorkerReply> {
  let slot = slots[0]!;
  for (const candidate of slots) if (candidate.busy < slot.busy) slot = candidate;
  const id = nextId++;
  slot.busy++;
  const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  return new Promise((resolve) => {
    slot.pending.set(id, resolve);
    slot.worker.postMessage({ id, body }, whole ? [body.buffer as ArrayBuffer] : []);
  });
}

let inFlightBytes = 0;
const EMPTY = new Uint8Array(0);

function answer(res: ServerResponse, status: number, body: Uint8Array | string = EMPTY, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/x-protobuf', ...headers }).end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/traces' || !(req.headers['content-type'] ?? '').startsWith('application/x-protobuf')) {
    req.resume();
    return answer(res, 404, 'POST application/x-protobuf to /v1/traces');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > settings.maxRequestBytes) {
    req.resume();
    return answer(res, 413, 'request too large');
  }
  if (inFlightBytes > 0 && inFlightBytes + declared > settings.maxInFlightBytes) {
    req.resume();
    return answer(res, 429, 'too much in flight', { 'retry-after': '1' });
  }
  inFlightBytes += declared;
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > settings.maxRequestBytes) return answer(res, 413, 'request too large');
      chunks.push(chunk);
    }
    const reply = await processOnWorker(Buffer.concat(chunks, size));
    if (!reply.ok) return answer(res, 400, reply.message);
    if (queue.bytes + reply.body.byteLength > queue.maxBytes) return answer(res, 503, 'queue full', { 'retry-after': '1' });
    queue.enqueue(reply.body, reply.items - reply.refused);
    answer(res, 200);
    forwarder.notify();
  } finally {
    inFlightBytes -= declared;
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: Error) => {
    if (!res.headersSent) answer(res, 500, error.message);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ http: (server.address() as AddressInfo).port })}\n`));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.all(slots.map((s) => s.worker.terminate())).then(() => forwarder.close()).then(() => {
    queue.close();
    process.exit(0);
  });
});
