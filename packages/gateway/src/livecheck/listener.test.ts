import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Client, credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { buildTraces, otlpGrpcMethod, type Signal } from '@cairn/otlp';
import { LiveCheckListener } from './listener.js';

const traces = (name: string): Uint8Array => buildTraces([{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name, startTimeUnixNano: 1n, endTimeUnixNano: 2n }] }] }]);

function post(port: number, body: Uint8Array | string, headers: Record<string, string>, path = '/v1/traces'): Promise<{ status: number; headers: Headers; text: string }> {
  return fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
}

function grpcExport(client: Client, signal: Signal, bytes: Uint8Array): Promise<ServiceError | null> {
  const method = otlpGrpcMethod(signal);
  return new Promise((resolve) => client.makeUnaryRequest(method.path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, bytes, (error) => resolve(error)));
}

/** A consumer the test holds: nothing is checked until `open()`, as a stalled sink. */
function gatedConsumer(): { consume: (s: Signal, b: Uint8Array) => Promise<void>; seen: string[]; entered: Promise<void>; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const enteredP = new Promise<void>((resolve) => (entered = resolve));
  const seen: string[] = [];
  return {
    seen, open, entered: enteredP,
    consume: async (signal, bytes) => {
      entered();
      await gate;
      seen.push(`${signal}:${bytes.length}`);
    },
  };
}

test('under load nothing is dropped: a full queue answers 429 / RESOURCE_EXHAUSTED, and everything accepted is checked', async () => {
  const sink = gatedConsumer();
  const listener = new LiveCheckListener(sink.consume, { httpPort: 0, grpcPort: 0, maxQueuedRequests: 2 });
  const client = () => new Client(`127.0.0.1:${listener.grpcPort}`, credentials.createInsecure());
  let grpc: Client | undefined;
  try {
    await listener.start();
    grpc = client();
    const proto = { 'content-type': 'application/x-protobuf' };
    assert.equal((await post(listener.httpPort!, traces('a'), proto)).status, 200);
    await sink.entered; // the checker holds request 1; the queue is empty again
    assert.equal((await post(listener.httpPort!, traces('b'), proto)).status, 200);
    assert.equal(await grpcExport(grpc, 'traces', traces('c')), null);
    assert.equal(listener.pending, 2);
    const refused = await post(listener.httpPort!, traces('d'), proto);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    const grpcRefused = await grpcExport(grpc, 'traces', traces('e'));
    assert.equal(grpcRefused?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    assert.equal(sink.seen.length, 0, 'the stalled checker has checked nothing');
    sink.open();
    // The senders retry, as OTLP exporters do on 429 / RESOURCE_EXHAUSTED; bounded loop.
    let retried = 0;
    for (let attempt = 0; attempt < 200 && retried < 2; attempt++) {
      if (retried === 0 && (await post(listener.httpPort!, traces('d'), proto)).status === 200) retried++;
      else if (retried === 1 && (await grpcExport(grpc, 'traces', traces('e'))) === null) retried++;
      else await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(retried, 2);
  } finally {
    grpc?.close();
    await listener.stop();
  }
  assert.equal(sink.seen.length, 5, 'every accepted request was checked before stop() returned');
  assert.deepEqual({ accepted: listener.counts.accepted, checked: listener.counts.checked, throttled: listener.counts.throttled >= 2 }, { accepted: 5, checked: 5, throttled: true });
});

test('OTLP/HTTP: JSON and gzip are read; a bad content type or body is refused with a code, and counted', async () => {
  const seen: Signal[] = [];
  const listener = new LiveCheckListener((signal) => void seen.push(signal), { httpPort: 0 });
  try {
    await listener.start();
    const json = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' } }] }] }] });
    assert.equal((await post(listener.httpPort!, json, { 'content-type': 'application/json' }, '/v1/logs')).status, 200);
    assert.equal((await post(listener.httpPort!, gzipSync(traces('z')), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status, 200);
    const badType = await post(listener.httpPort!, 'x', { 'content-type': 'text/plain' });
    assert.equal(badType.status, 415);
    const badJson = await post(listener.httpPort!, '{"resourceSpans": [', { 'content-type': 'application/json' });
    assert.equal(badJson.status, 400);
    assert.match(badJson.text, /^OTLP_JSON_SYNTAX/);
    assert.equal((await post(listener.httpPort!, 'x', { 'content-type': 'application/json' }, '/v1/other')).status, 404);
  } finally {
    await listener.stop();
  }
  assert.deepEqual(seen, ['logs', 'traces']);
  assert.equal(listener.counts.invalid, 2);
});

test('bytes that do not decode are reported, not fatal: the listener keeps checking', async () => {
  const listener = new LiveCheckListener((_s, bytes) => {
    if (bytes[0] === 0xff) throw new Error('bad');
  }, { httpPort: 0 });
  try {
    await listener.start();
    assert.equal((await post(listener.httpPort!, new Uint8Array([0xff]), { 'content-type': 'application/x-protobuf' })).status, 200);
    assert.equal((await post(listener.httpPort!, traces('ok'), { 'content-type': 'application/x-protobuf' })).status, 200);
  } finally {
    await listener.stop();
  }
  assert.equal(listener.counts.checked, 2);
  assert.equal(listener.problems.length, 1);
  assert.equal(listener.problems[0]!.transport, 'check');
});

test('--inactivity-timeout: the listener stops by itself when nothing arrives', async () => {
  const listener = new LiveCheckListener(() => undefined, { httpPort: 0, inactivityMs: 20 });
  try {
    await listener.start();
    await listener.done;
  } finally {
    await listener.stop();
  }
  await assert.rejects(post(listener.httpPort!, traces('late'), { 'content-type': 'application/x-protobuf' }));
});
