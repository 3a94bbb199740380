import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { OtlpHttpSink } from '../../testing/sink.js';
import { logsBatch, metricsBatch, tracesBatch } from '../../testing/fixtures.js';
import { OtlpHttpExporter } from './exporter.js';
import { validateOtlpHttpConfig, type OtlpHttpConfig } from './config.js';
import { parseRetryAfter } from './outcome.js';

let sink: OtlpHttpSink;
const exporters: OtlpHttpExporter[] = [];

function exporter(raw: Record<string, unknown> = {}): OtlpHttpExporter {
  const config: OtlpHttpConfig = validateOtlpHttpConfig({ endpoint: sink.url, timeout: '2s', ...raw }, 'otlphttp');
  const e = new OtlpHttpExporter(config);
  exporters.push(e);
  return e;
}

before(async () => { sink = await OtlpHttpSink.start(); });
beforeEach(() => { sink.clear(); sink.stall(0); sink.partialSuccess(undefined); });
after(async () => {
  await Promise.all(exporters.map((e) => e.shutdown()));
  await sink.close();
});

test('a traces batch reaches /v1/traces gzip-compressed and decodes to the same bytes', async () => {
  const batch = tracesBatch(['checkout', 'cart-api'], 4);
  const outcome = await exporter().export(batch);
  assert.deepEqual(outcome, { kind: 'ok' });
  const [req] = sink.requests;
  assert.ok(req);
  assert.equal(req.signal, 'traces');
  assert.equal(req.encoding, 'gzip');
  assert.equal(req.headers['content-type'], 'application/x-protobuf');
  assert.deepEqual(Buffer.from(req.body), Buffer.from(batch.body));
  assert.equal(req.items, 8);
  assert.ok(req.wireBytes < batch.body.length, 'gzip made the body smaller on the wire');
});

test('compression: none sends the protobuf bytes as they are', async () => {
  const batch = tracesBatch();
  assert.equal((await exporter({ compression: 'none' }).export(batch)).kind, 'ok');
  assert.equal(sink.requests[0]?.encoding, 'identity');
  assert.equal(sink.requests[0]?.wireBytes, batch.body.length);
});

test('logs and metrics go to /v1/logs and /v1/metrics with their item counts', async () => {
  const e = exporter();
  assert.equal((await e.export(logsBatch(5))).kind, 'ok');
  assert.equal((await e.export(metricsBatch(7))).kind, 'ok');
  assert.deepEqual(sink.requests.map((r) => [r.signal, r.items]), [['logs', 5], ['metrics', 7]]);
});

test('configured headers arrive at the backend', async () => {
  await exporter({ headers: { 'x-honeycomb-team': 'secret-key', Authorization: 'Bearer t' } }).export(tracesBatch());
  assert.equal(sink.requests[0]?.headers['x-honeycomb-team'], 'secret-key');
  assert.equal(sink.requests[0]?.headers['authorization'], 'Bearer t');
});

test('encoding: json sends OTLP/JSON that the backend decodes to the same spans', async () => {
  const batch = tracesBatch(['checkout'], 3);
  assert.equal((await exporter({ encoding: 'json' }).export(batch)).kind, 'ok');
  assert.equal(sink.requests[0]?.format, 'json');
  assert.deepEqual(sink.spanIds, ['0000000000000001', '0000000000000002', '0000000000000003']);
});

test('a per-signal URL override is used as given', async () => {
  await exporter({ endpoint: undefined, traces_endpoint: `${sink.url}/v1/traces` }).export(tracesBatch());
  assert.equal(sink.requests.length, 1);
  const outcome = await exporter({ endpoint: undefined, traces_endpoint: `${sink.url}/v1/traces` }).export(logsBatch());
  assert.equal(outcome.kind, 'reject');
});

test('a partial success reports how many items the backend rejected, and is not retried', async () => {
  sink.partialSuccess({ rejected: 2, errorMessage: 'span name too long' });
  for (const encoding of ['proto', 'json']) {
    const outcome = await exporter({ encoding }).export(tracesBatch());
    assert.deepEqual(outcome, { kind: 'ok', rejectedItems: 2, message: 'span name too long' }, encoding);
  }
});

test('503 with Retry-After in seconds is a retry after that many milliseconds', async () => {
  sink.failNext(1, { status: 503, retryAfter: 7 });
  const outcome = await exporter().export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.equal(outcome.kind === 'retry' && outcome.retryAfterMs, 7000);
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /HTTP 503/);
  assert.equal(sink.requests.length, 0);
});

test('429 with Retry-After as an HTTP date is a retry until that date', async () => {
  // An HTTP date has whole seconds; the exporter reads it against its own clock at some moment
  // between these two readings, however long a loaded machine takes in between.
  const at = Math.floor((Date.now() + 30_000) / 1000) * 1000;
  const before = Date.now();
  sink.failNext(1, { status: 429, retryAfter: new Date(at).toUTCString() });
  const outcome = await exporter().export(tracesBatch());
  const after = Date.now();
  assert.equal(outcome.kind, 'retry');
  const ms = outcome.kind === 'retry' ? outcome.retryAfterMs ?? -1 : -1;
  assert.ok(ms >= at - after && ms <= at - before, `retryAfterMs ${ms}, expected ${at - after}..${at - before}`);
});

test('502 and 504 without Retry-After are retries with no delay advice', async () => {
  sink.failNext(1, { status: 502 });
  sink.failNext(1, { status: 504 });
  const e = exporter();
  for (const status of [502, 504]) {
    const outcome = await e.export(tracesBatch());
    assert.equal(outcome.kind, 'retry', String(status));
    assert.equal(outcome.kind === 'retry' && outcome.retryAfterMs, undefined);
  }
});

test('400 is rejected with the status and the backend message from google.rpc.Status', async () => {
  sink.failNext(1, { status: 400, message: 'invalid span id length' });
  const outcome = await exporter().export(tracesBatch());
  assert.equal(outcome.kind, 'reject');
  assert.match(outcome.kind === 'reject' ? outcome.reason : '', /^HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces: invalid span id length$/);
});

test('401, 413 and 500 are not retried, as the OTLP spec requires', async () => {
  const e = exporter();
  for (const status of [401, 413, 500]) {
    sink.failNext(1, { status });
    const outcome = await e.export(tracesBatch());
    assert.equal(outcome.kind, 'reject', String(status));
  }
});

test('a backend that is down is a retry, and delivery resumes when it is back up', async () => {
  const e = exporter();
  assert.equal((await e.export(tracesBatch())).kind, 'ok');
  await sink.down();
  const outcome = await e.export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /connection refused|network error/);
  await sink.up();
  assert.equal((await e.export(tracesBatch())).kind, 'ok');
});

test('a port nobody listens on is a retry saying connection refused', async () => {
  // On 127.0.0.3, where no test listens: a freed port on 127.0.0.1 could be given to a server of
  // the test file running beside this one before the export connects.
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.3', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const outcome = await exporter({ endpoint: `http://127.0.0.3:${free}` }).export(tracesBatch());
  assert.equal(outcome.kind, 'retry');
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /connection refused/);
});

test('a backend that does not answer in time is a retry within the timeout', async () => {
  sink.hold(); // the backend never answers: only the exporter's own timeout can settle the export
  const started = Date.now();
  const outcome = await exporter({ timeout: '300ms' }).export(tracesBatch());
  const took = Date.now() - started;
  sink.release();
  assert.equal(outcome.kind, 'retry');
  assert.match(outcome.kind === 'retry' ? outcome.reason : '', /timed out after 300 ms/);
  assert.ok(took < 5000, `settled after ${took} ms`); // generous: a loaded machine delays timers
});

test('a batch that is not valid protobuf is rejected before sending when JSON encoding is asked', async () => {
  const outcome = await exporter({ encoding: 'json' }).export({ signal: 'traces', body: Uint8Array.of(0x0a, 0xff), items: 1 });
  assert.equal(outcome.kind, 'reject');
  assert.equal(sink.totals.requests, 0);
});

test('Retry-After: seconds, HTTP date, past date and garbage', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
