import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { protobufToJson } from '@cairn/otlp';
import { decodePartialSuccess, decodeRpcStatus } from '@cairn/otlp';
import { OtlpHttpSink } from './sink.js';
import { OtlpGrpcSink } from './grpc-sink.js';
import { countItems } from './recording.js';
import { logsBatch, metricsBatch, tracesBatch } from './fixtures.js';

let sink: OtlpHttpSink;
before(async () => { sink = await OtlpHttpSink.start(); });
beforeEach(() => sink.clear());
after(() => sink.close());

function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${sink.url}${path}`, { method: 'POST', body, headers });
}

test('the sink binds 127.0.0.1 on a free port', () => {
  assert.match(sink.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(sink.port > 0);
});

test('a protobuf POST is recorded with its span ids and answered with an empty protobuf response', async () => {
  const batch = tracesBatch(['checkout'], 3);
  const res = await post('/v1/traces', batch.body, { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  assert.deepEqual(sink.spanIds, ['0000000000000001', '0000000000000002', '0000000000000003']);
  assert.equal(sink.distinctSpans, 3);
  assert.ok(sink.hasAllSpans(['0000000000000003', '0000000000000001']));
  assert.ok(!sink.hasAllSpans(['0000000000000001', '0000000000000004']));
  assert.deepEqual(sink.totals, { requests: 1, bytes: batch.body.length, spans: 3, logs: 0, points: 0 });
});

test('gzip-compressed OTLP/JSON is decoded to the same protobuf and answered in JSON', async () => {
  const batch = logsBatch(4);
  const res = await post('/v1/logs', gzipSync(protobufToJson('logs', batch.body)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  const [req] = sink.requests;
  assert.deepEqual([req?.format, req?.encoding, req?.items], ['json', 'gzip', 4]);
  assert.deepEqual(Buffer.from(req!.body), Buffer.from(batch.body));
});

test('partial success is answered in the protobuf response', async () => {
  sink.partialSuccess({ rejected: 3, errorMessage: 'too old' });
  const res = await post('/v1/metrics', metricsBatch(5).body, { 'content-type': 'application/x-protobuf' });
  sink.partialSuccess(undefined);
  assert.deepEqual(decodePartialSuccess(new Uint8Array(await res.arrayBuffer())), { rejected: 3, errorMessage: 'too old' });
  assert.equal(sink.totals.points, 5);
});

test('failNext answers the next requests with the status, Retry-After and a google.rpc.Status body', async () => {
  sink.failNext(2, { status: 503, retryAfter: 3, message: 'busy' });
  const body = tracesBatch().body;
  for (let i = 0; i < 2; i++) {
    const res = await post('/v1/traces', body, { 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal(decodeRpcStatus(new Uint8Array(await res.arrayBuffer()))?.message, 'busy');
  }
  assert.equal((await post('/v1/traces', body, { 'content-type': 'application/x-protobuf' })).status, 200);
  assert.equal(sink.totals.requests, 1);
});

test('a body that is not OTLP gets 400 and is not recorded', async () => {
  const res = await post('/v1/traces', Uint8Array.of(0x0a, 0x7f), { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 400);
  assert.match(decodeRpcStatus(new Uint8Array(await res.arrayBuffer()))?.message ?? '', /^bad body/);
  assert.equal(sink.totals.requests, 0);
});

test('a gzip body that inflates past maxBodyBytes gets 413', async () => {
  const small = await OtlpHttpSink.start({ maxBodyBytes: 1024 });
  try {
    const body = gzipSync(tracesBatch(['checkout'], 50).body);
    const res = await fetch(`${small.url}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
    assert.equal(res.status, 413);
    assert.equal(small.totals.requests, 0);
  } finally {
    await small.close();
  }
});

test('an unknown path gets 404', async () => {
  assert.equal((await post('/v1/profiles', '', {})).status, 404);
});

test('down refuses connections and up serves again on the same port', async () => {
  await sink.down();
  await assert.rejects(post('/v1/traces', tracesBatch().body, {}));
  await sink.up();
  assert.equal((await post('/v1/traces', tracesBatch().body, { 'content-type': 'application/x-protobuf' })).status, 200);
});

test('waitFor resolves when the condition holds and rejects after its bound', async () => {
  const arrived = sink.waitFor((s) => s.totals.spans >= 6, 30_000);
  await post('/v1/traces', tracesBatch(['a'], 3).body, { 'content-type': 'application/x-protobuf' });
  await post('/v1/traces', tracesBatch(['b'], 3).body, { 'content-type': 'application/x-protobuf' });
  await arrived;
  const started = Date.now();
  await assert.rejects(sink.waitFor((s) => s.totals.spans > 1000, 100), /not met within 100 ms \(2 requests received\)/);
  assert.ok(Date.now() - started < 5000); // the 100 ms bound, with room for a loaded machine
});

test('blackhole mode counts bytes and items without keeping requests', async () => {
  const hole = await OtlpHttpSink.start({ blackhole: true });
  try {
    const traces = tracesBatch(['a', 'b'], 10);
    const wire = gzipSync(traces.body);
    await fetch(`${hole.url}/v1/traces`, { method: 'POST', body: wire, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
    await fetch(`${hole.url}/v1/metrics`, { method: 'POST', body: metricsBatch(4).body, headers: { 'content-type': 'application/x-protobuf' } });
    assert.deepEqual(hole.requests, []);
    assert.deepEqual(hole.totals, { requests: 2, bytes: wire.length + metricsBatch(4).body.length, spans: 20, logs: 0, points: 4 });
  } finally {
    await hole.close();
  }
});

test('the cheap item count agrees with the decoding views', () => {
  assert.equal(countItems('traces', tracesBatch(['a', 'b', 'c'], 7).body), 21);
  assert.equal(countItems('logs', logsBatch(9).body), 9);
  assert.equal(countItems('metrics', metricsBatch(11).body), 11);
  assert.equal(countItems('traces', new Uint8Array(0)), 0);
});

test('the gRPC sink stops by itself and can be restarted on its port', async () => {
  const g = await OtlpGrpcSink.start({ blackhole: true });
  assert.match(g.endpoint, /^127\.0\.0\.1:\d+$/);
  await g.down();
  await g.up();
  await g.close();
});
