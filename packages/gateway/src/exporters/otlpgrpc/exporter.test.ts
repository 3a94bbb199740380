import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { frameGrpcMessage, unframeGrpcMessages } from '@cairn/otlp';
import { OtlpGrpcSink } from '../../testing/grpc-sink.js';
import { logsBatch, metricsBatch, tracesBatch } from '../../testing/fixtures.js';
import { OtlpGrpcExporter } from './exporter.js';
import { validateOtlpGrpcConfig } from './config.js';

let sink: OtlpGrpcSink;
const exporters: OtlpGrpcExporter[] = [];

function exporter(raw: Record<string, unknown> = {}): OtlpGrpcExporter {
  const e = new OtlpGrpcExporter(validateOtlpGrpcConfig({ endpoint: sink.endpoint, insecure: true, timeout: '2s', ...raw }, 'otlpgrpc'));
  exporters.push(e);
  return e;
}

function reasonOf(outcome: { kind: string; reason?: string }): string {
  return outcome.reason ?? '';
}

before(async () => { sink = await OtlpGrpcSink.start(); });
beforeEach(() => { sink.clear(); sink.stall(0); sink.partialSuccess(undefined); });
after(async () => {
  await Promise.all(exporters.map((e) => e.shutdown()));
  await sink.close();
});

test('a traces batch arrives over gRPC byte for byte', async () => {
  const batch = tracesBatch(['checkout', 'cart-api'], 3);
  assert.deepEqual(await exporter().export(batch), { kind: 'ok' });
  const [req] = sink.requests;
  assert.ok(req);
  assert.deepEqual(Buffer.from(req.body), Buffer.from(batch.body));
  assert.equal(req.items, 6);
});

/** What one call looked like on the HTTP/2 wire: grpc-encoding and the gunzipped frame. */
async function onTheWire(compression: 'gzip' | 'none', batch: ReturnType<typeof tracesBatch>): Promise<{ encoding: string | undefined; flag: number; message: Buffer }> {
  const server = http2.createServer();
  let seen: { encoding: string | undefined; flag: number; message: Buffer } | undefined;
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const [frame] = unframeGrpcMessages(Buffer.concat(chunks));
      assert.ok(frame);
      const encoding = headers['grpc-encoding'] as string | undefined;
      seen = { encoding, flag: frame.compressed ? 1 : 0, message: frame.compressed ? gunzipSync(frame.message) : Buffer.from(frame.message) };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frameGrpcMessage(new Uint8Array(0)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const e = new OtlpGrpcExporter(validateOtlpGrpcConfig({ endpoint: `127.0.0.1:${port}`, insecure: true, compression, timeout: '2s' }, 'otlpgrpc'));
  try {
    assert.equal((await e.export(batch)).kind, 'ok');
  } finally {
    await e.shutdown();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.ok(seen, 'the call reached the server');
  return seen;
}

test('compression: gzip compresses the message on the wire, and it gunzips to the batch bytes', async () => {
  const batch = tracesBatch(['checkout'], 50);
  const wire = await onTheWire('gzip', batch);
  assert.equal(wire.encoding, 'gzip');
  assert.equal(wire.flag, 1);
  assert.deepEqual(wire.message, Buffer.from(batch.body));
});

test('compression: none sends the message uncompressed', async () => {
  const batch = tracesBatch();
  const wire = await onTheWire('none', batch);
  assert.equal(wire.flag, 0);
  assert.deepEqual(wire.message, Buffer.from(batch.body));
});

test('logs and metrics use their own Export services', async () => {
  const e = exporter();
  assert.equal((await e.export(logsBatch(4))).kind, 'ok');
  assert.equal((await e.export(metricsBatch(6))).kind, 'ok');
  assert.deepEqual(sink.requests.map((r) => [r.signal, r.items]), [['logs', 4], ['metrics', 6]]);
});

test('configured headers arrive as gRPC metadata', async () => {
  await exporter({ headers: { 'x-scope-orgid': 'team-checkout' } }).export(tracesBatch());
  assert.equal(sink.requests[0]?.headers['x-scope-orgid'], 'team-checkout');
});

test('a partial success reports the rejected items', async () => {
  sink.partialSuccess({ rejected: 1, errorMessage: 'attribute too long' });
  assert.deepEqual(await exporter().export(tracesBatch()), { kind: 'ok', rejectedItems: 1, message: 'attribute too long' });
});

test('UNAVAILABLE with RetryInfo is a retry after the server-given delay', async () => {
  sink.failNext(1, { code: grpc.status.UNAVAILABLE, message: 'overloaded', retryDelayMs: 4500 });
  const outcome = await exporter().export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.equal(outcome.kind === 'retry' && outcome.retryAfterMs, 4500);
  assert.match(reasonOf(outcome), /UNAVAILABLE .*: overloaded/);
});

test('every retryable gRPC code of the OTLP spec is a retry', async () => {
  const e = exporter();
  for (const code of ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'] as const) {
    sink.failNext(1, { code: grpc.status[code] });
    assert.equal((await e.export(tracesBatch())).kind, 'retry', code);
  }
});

test('INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED and INTERNAL are rejected', async () => {
  const e = exporter();
  for (const code of ['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'INTERNAL'] as const) {
    sink.failNext(1, { code: grpc.status[code], message: 'no' });
    const outcome = await e.export(tracesBatch());
    assert.equal(outcome.kind, 'reject', code);
    assert.match(reasonOf(outcome), new RegExp(`gRPC ${code} from 127\\.0\\.0\\.1:\\d+/opentelemetry\\.proto\\.collector\\.trace\\.v1\\.TraceService/Export: no`));
  }
});

test('RESOURCE_EXHAUSTED is retried only when the server sends RetryInfo', async () => {
  const e = exporter();
  sink.failNext(1, { code: grpc.status.RESOURCE_EXHAUSTED, message: 'quota' });
  assert.equal((await e.export(tracesBatch())).kind, 'reject');
  sink.failNext(1, { code: grpc.status.RESOURCE_EXHAUSTED, message: 'slow down', retryDelayMs: 1000 });
  const outcome = await e.export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.equal(outcome.kind === 'retry' && outcome.retryAfterMs, 1000);
});

test('a backend that is down is a retry, and delivery resumes when it is back up', async () => {
  const e = exporter();
  assert.equal((await e.export(tracesBatch())).kind, 'ok');
  await sink.down();
  const outcome = await e.export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.match(reasonOf(outcome), /UNAVAILABLE/);
  await sink.up();
  await sink.waitFor(() => true);
  let resumed = await e.export(tracesBatch());
  // The channel may still be in its reconnect backoff right after the restart (1 s, growing
  // 1.6 times with each failed attempt): bounded by a count that outlasts it on a loaded machine.
  for (let i = 0; i < 300 && resumed.kind !== 'ok'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    resumed = await e.export(tracesBatch());
  }
  assert.equal(resumed.kind, 'ok');
});

test('a backend that does not answer before the deadline is a retry within the timeout', async () => {
  sink.hold(); // the backend never answers: only the exporter's own timeout can settle the export
  const started = Date.now();
  const outcome = await exporter({ timeout: '300ms' }).export(tracesBatch());
  const took = Date.now() - started;
  sink.release();
  assert.equal(outcome.kind, 'retry');
  assert.match(reasonOf(outcome), /DEADLINE_EXCEEDED .*timed out after 300 ms/);
  assert.ok(took < 5000, `settled after ${took} ms`); // generous: a loaded machine delays timers
});
