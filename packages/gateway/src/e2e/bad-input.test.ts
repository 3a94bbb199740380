import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { buildTraces, decodePartialSuccess } from '@cairn/otlp';
import { grpcExport, post, span, traces } from './client.js';
import { startHarness, type Harness } from './harness.js';

/** A span attribute nested `depth` arrays deep, written by hand (the builder has no such limit). */
function deeplyNested(depth: number): Uint8Array {
  // AnyValue{ array_value(5) = ArrayValue{ values(1) = AnyValue{ ... string_value(1)="x" } } }
  let value = Buffer.from([0x0a, 0x01, 0x78]);
  for (let i = 0; i < depth; i++) {
    const array = Buffer.concat([Buffer.from([0x0a]), varint(value.length), value]);
    value = Buffer.concat([Buffer.from([0x2a]), varint(array.length), array]);
  }
  const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(value.length), value]);
  const s = span();
  // Span{ trace_id(1), span_id(2), attributes(9) = the nested KeyValue }
  const spanMessage = Buffer.concat([Buffer.from([0x0a, 16]), Buffer.from(s.traceId as Uint8Array), Buffer.from([0x12, 8]), Buffer.from(s.spanId as Uint8Array), Buffer.from([0x4a]), varint(keyValue.length), keyValue]);
  const scopeSpans = Buffer.concat([Buffer.from([0x12]), varint(spanMessage.length), spanMessage]);
  const resourceSpans = Buffer.concat([Buffer.from([0x12]), varint(scopeSpans.length), scopeSpans]);
  return Buffer.concat([Buffer.from([0x0a]), varint(resourceSpans.length), resourceSpans]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

describe('bad input gets a clear error, the process survives, nothing accepted is lost', () => {
  let h: Harness;
  const accepted = span('accepted-before');
  before(async () => {
    h = await startHarness({ extra: 'limits: { max_request_size: 1MiB, max_decompressed_size: 4MiB, max_gzip_ratio: 50, max_depth: 8 }' });
    // Stop delivery so the accepted span sits in the queue while the bad requests arrive.
    await h.sink.down();
    assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [accepted]))).status, 200);
  });
  after(async () => {
    await h.close();
  });

  it('truncated protobuf: 400 with a google.rpc.Status naming the byte offset', async () => {
    const whole = traces('checkout', [span()]);
    const res = await post(`${h.http}/v1/traces`, whole.subarray(0, whole.length - 7));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    assert.match(res.body.toString('latin1'), /OTLP_TRUNCATED at byte \d+/);
  });

  it('truncated JSON: 400 with a JSON Status naming the place', async () => {
    const res = await post(`${h.http}/v1/traces`, '{"resourceSpans":[{"scopeSpans":[', { 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    const body = JSON.parse(res.body.toString()) as { code: number; message: string };
    assert.equal(body.code, 3);
    assert.match(body.message, /OTLP_JSON/);
  });

  it('wrong content type: 415', async () => {
    const res = await post(`${h.http}/v1/traces`, 'hello', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    assert.match(res.body.toString(), /application\/x-protobuf or application\/json/);
  });

  it('gzip bomb: 413 once decompression passes the ratio limit', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
    const res = await post(`${h.http}/v1/traces`, bomb, { 'content-encoding': 'gzip' });
    assert.equal(res.status, 413);
    assert.match(res.body.toString('latin1'), /decompressed body exceeds/);
  });

  it('oversized body: 413 before it is buffered', async () => {
    const res = await post(`${h.http}/v1/traces`, Buffer.alloc(2 * 1024 * 1024));
    assert.equal(res.status, 413);
  });

  it('nesting deeper than the limit: 400 (HTTP) and INVALID_ARGUMENT (gRPC)', async () => {
    const body = deeplyNested(20);
    const res = await post(`${h.http}/v1/traces`, body);
    assert.equal(res.status, 400);
    assert.match(res.body.toString('latin1'), /OTLP_DEPTH/);
    assert.equal((await grpcExport(h.grpc, body)).code, status.INVALID_ARGUMENT);
    // The same shape within the limit is accepted, so the limit (not the encoding) refused it.
    assert.equal((await post(`${h.http}/v1/traces`, deeplyNested(3))).status, 200);
  });

  it('spans with malformed ids: accepted with partial_success naming how many were refused', async () => {
    const good = span('good');
    const body = buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ spans: [good, { ...span('bad'), traceId: new Uint8Array(16) }] }] }]);
    const res = await post(`${h.http}/v1/traces`, body);
    assert.equal(res.status, 200);
    const partial = decodePartialSuccess(res.body);
    assert.equal(partial?.rejected, 1);
    assert.match(partial.errorMessage, /trace_id must be 16 bytes/);
  });

  it('still delivers what it accepted before the bad requests', async () => {
    await h.sink.up();
    await h.sink.waitFor((s) => s.spanIds.includes(accepted.spanIdHex), 10_000);
  });
});
