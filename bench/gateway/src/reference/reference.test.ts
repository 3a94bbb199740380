// The reference gateway must do the work the benchmark says it does: the same checks as Cairn's
// default config, a commit before the 200, and every acknowledged span forwarded to the backend.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { request, type Dispatcher } from 'undici';
import { OtlpHttpSink } from '@cairn/gateway/testing';
import { traceCorpus } from '../../../otlp/dist/corpus.js';
import { ExportTraceServiceRequest } from '../../../otlp/dist/reference.js';
import { cairnConfig, referenceSettings } from '../cairn-config.js';
import { startTarget, stopTarget, waitForSink, type Target } from '../harness.js';
import { checkRequest, compilePatterns, type TracesRequest } from './checks.js';

const corpus = traceCorpus({ batches: 2, spansPerBatch: 16 });
const decoded = (): TracesRequest => ExportTraceServiceRequest.decode(corpus.requests[0]!) as unknown as TracesRequest;
const all = compilePatterns(['*']);

describe('reference checks', () => {
  it('accepts the corpus and counts its spans', () => {
    assert.deepEqual(checkRequest(decoded(), all), { ok: true, items: 16, refused: 0 });
  });

  it('refuses a service the tenant does not own, a non-string and a repeated service.name', () => {
    assert.equal(checkRequest(decoded(), compilePatterns(['cart-*'])).ok, false);
    const nonString = decoded();
    nonString.resourceSpans[0]!.resource!.attributes.find((kv) => kv.key === 'service.name')!.value = { arrayValue: {} } as never;
    assert.equal(checkRequest(nonString, all).ok, false);
    const twice = decoded();
    const attributes = twice.resourceSpans[0]!.resource!.attributes;
    attributes.push({ ...attributes.find((kv) => kv.key === 'service.name')! });
    assert.equal(checkRequest(twice, all).ok, false);
  });

  it('drops spans with a malformed trace, span, parent or link id, alone', () => {
    const request = decoded();
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans[0]!.traceId = new Uint8Array(16);
    spans[1]!.spanId = new Uint8Array(7);
    spans[2]!.parentSpanId = new Uint8Array(3);
    spans[3]!.links = [{ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(0) }];
    assert.deepEqual(checkRequest(request, all), { ok: true, items: 16, refused: 4 });
    assert.equal(request.resourceSpans[0]!.scopeSpans[0]!.spans.length, 12);
  });

  it('matches patterns as whole names', () => {
    const cart = compilePatterns(['cart-*', 'payments']);
    assert.equal(cart('cart-x'), true);
    assert.equal(cart('payments'), true);
    assert.equal(cart('payments-2'), false);
    assert.equal(cart('x.cart-'), false);
  });
});

describe('reference gateway process', () => {
  let sink: OtlpHttpSink;
  let work: string;
  let target: Target | undefined;
  before(async () => {
    sink = await OtlpHttpSink.start({ blackhole: true });
    work = mkdtempSync(join(tmpdir(), 'cairn-ref-'));
  });
  after(async () => {
    if (target) await stopTarget(target);
    await sink.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('commits before the 200, forwards every span, and empties its queue', async () => {
    const settings = referenceSettings(cairnConfig(sink.url, join(work, 'unused')), sink.url, work, 1);
    await sink.down(); // the backend is away: what was acknowledged must be on disk
    target = await startTarget('reference/gateway.js', [JSON.stringify(settings)]);
    for (const body of corpus.requests) {
      const res: Dispatcher.ResponseData = await request(`http://127.0.0.1:${target.port}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } });
      await res.body.dump();
      assert.equal(res.statusCode, 200);
    }
    const db = new Database(join(work, 'queue.db'), { readonly: true });
    try {
      const queued = db.prepare('SELECT COALESCE(SUM(items), 0) AS items FROM queue').get() as { items: number };
      assert.equal(queued.items, 32);
      await sink.up();
      await waitForSink(sink, 32, 30_000);
      for (let i = 0; i < 1000 && (db.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number }).n > 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number }).n, 0);
    } finally {
      db.close();
    }
    assert.equal(sink.totals.spans, 32);
  });

  it('answers 400 to a body protobufjs cannot decode', async () => {
    assert.ok(target);
    const res = await request(`http://127.0.0.1:${target.port}/v1/traces`, { method: 'POST', body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), headers: { 'content-type': 'application/x-protobuf' } });
    await res.body.dump();
    assert.equal(res.statusCode, 400);
  });
});
