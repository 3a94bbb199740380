import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AttributeCursor, OtlpDecodeError, GrpcFrameDecoder, buildTraces, frameGrpcMessage, otlpGrpcMethod, unframeGrpcMessages, type Attributes, decodeTraces, decodeTracesJson, protobufToJson, jsonToProtobuf, viewToJson, type AnyValue, type TracesView } from '../index.js';
import { RESOURCE, hrToNanos, sdkSpans } from '../testing/fixtures.test.js';

const spans = sdkSpans();
const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
const json = JsonTraceSerializer.serializeRequest(spans)!;

function attrs(cursor: AttributeCursor): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  while (cursor.next()) out[cursor.key] = cursor.value;
  return out;
}

/** The SDK's attribute values as the view returns them (integers within 2^53 are numbers). */
function expected(a: Record<string, unknown>): Record<string, AnyValue> {
  return a as Record<string, AnyValue>;
}

const server = spans.findIndex((s) => s.name.startsWith('GET'));

/** `big` is app.big as the serializer wrote it: exact in protobuf, rounded by the SDK's JSON (a JS number). */
function assertSameAsSdk(view: TracesView, sent: ReadableSpan[], big: bigint): void {
  assert.equal(view.resourceCount, 1);
  assert.equal(view.spanCount, sent.length);
  assert.deepEqual(attrs(view.resourceAttributes(0)), RESOURCE);
  assert.equal(view.scopeName(0), '@acme/http');
  assert.equal(view.scopeVersion(0), '2.1.0');
  const cursor = view.spans();
  const ac = new AttributeCursor();
  for (const s of sent) {
    assert.ok(cursor.next());
    const ctx = s.spanContext();
    assert.equal(cursor.name, s.name);
    assert.equal(cursor.traceIdHex, ctx.traceId);
    assert.equal(cursor.spanIdHex, ctx.spanId);
    assert.equal(cursor.parentSpanIdHex, s.parentSpanContext?.spanId ?? '');
    assert.equal(cursor.kind, s.kind + 1);
    assert.equal(cursor.startTimeUnixNano, hrToNanos(s.startTime));
    assert.equal(cursor.endTimeUnixNano, hrToNanos(s.endTime));
    assert.equal(cursor.durationNanos, Number(hrToNanos(s.duration)));
    assert.equal(cursor.statusCode, s.status.code);
    assert.equal(cursor.statusMessage, s.status.message ?? '');
    assert.equal(cursor.flags & 0xff, ctx.traceFlags);
    const got = attrs(cursor.attributes(ac));
    const want = { ...expected(s.attributes as Record<string, unknown>) };
    if (want['app.big'] !== undefined) want['app.big'] = big;
    assert.deepEqual(got, want);
    const events = cursor.events();
    for (const e of s.events) {
      assert.ok(events.next());
      assert.equal(events.name, e.name);
      assert.equal(events.timeUnixNano, hrToNanos(e.time));
      assert.deepEqual(attrs(events.attributes(ac)), e.attributes);
    }
    assert.equal(events.next(), false);
    const links = cursor.links();
    for (const l of s.links) {
      assert.ok(links.next());
      assert.equal(links.traceIdHex, l.context.traceId);
      assert.equal(links.spanIdHex, l.context.spanId);
      assert.deepEqual(attrs(links.attributes(ac)), l.attributes);
    }
    assert.equal(links.next(), false);
  }
  assert.equal(cursor.next(), false);
}

test('spans serialized by the OTel SDK protobuf serializer decode to exactly what was sent', () => {
  assertSameAsSdk(decodeTraces(proto), spans, 2n ** 60n);
});

test('spans serialized by the OTel SDK JSON serializer decode to exactly what was sent', () => {
  assertSameAsSdk(decodeTracesJson(json), spans, BigInt(String(2 ** 60)));
});

test('re-encoding a batch with no edits is byte-identical', () => {
  const out = decodeTraces(proto).edit().encode();
  assert.deepEqual(Buffer.from(out), Buffer.from(proto));
});

test('protobuf -> OTLP/JSON -> protobuf is byte-identical for SDK output', () => {
  const text = protobufToJson('traces', proto);
  assert.deepEqual(Buffer.from(jsonToProtobuf('traces', text)), Buffer.from(proto));
});

test('OTLP/JSON output follows the mapping: hex ids, decimal-string int64, integer enums', () => {
  const doc = JSON.parse(protobufToJson('traces', proto));
  const span = doc.resourceSpans[0].scopeSpans[0].spans[server];
  assert.match(span.traceId, /^[0-9a-f]{32}$/);
  assert.match(span.startTimeUnixNano, /^\d+$/);
  assert.equal(typeof span.kind, 'number');
  const big = span.attributes.find((a: { key: string }) => a.key === 'app.big');
  assert.deepEqual(big.value, { intValue: String(2n ** 60n) });
});

test('SDK JSON decoded and written back as JSON describes the same batch', () => {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const n = /UnixNano$|^intValue$/.test(k) ? String(x) : normalize(x);
        if (n !== undefined) out[k] = n;
      }
      return out;
    }
    return v;
  };
  const ours = JSON.parse(viewToJson(decodeTracesJson(json)));
  const theirs = JSON.parse(new TextDecoder().decode(json));
  assert.deepEqual(normalize(ours), normalize(theirs));
});

test('setting an attribute on one span changes only that span', () => {
  const view = decodeTraces(proto);
  const child = spans.findIndex((s) => s.name === 'SELECT carts');
  const out = view.edit().setAttribute('span', child, 'db.system.name', 'mysql').encode();
  const after = decodeTraces(out);
  assert.equal(after.spanCount, view.spanCount);
  const before = view.spans();
  const now = after.spans();
  for (let i = 0; i < view.spanCount; i++) {
    before.seek(i);
    now.seek(i);
    const a = Buffer.from(view.bytes.subarray(before.start, before.end));
    const b = Buffer.from(after.bytes.subarray(now.start, now.end));
    if (i === child) {
      assert.notDeepEqual(a, b);
    } else assert.deepEqual(b, a, `span ${i} must be copied byte for byte`);
  }
  const ac = after.spans().seek(child).attributes();
  assert.ok(ac.next());
  assert.equal(ac.key, 'db.system.name');
  assert.equal(ac.value, 'mysql');
});

test('rename, delete, drop and resource edits are applied and the rest is kept', () => {
  const view = decodeTraces(proto);
  const out = view.edit()
    .renameAttribute('span', server, 'http.request.method', 'http.method')
    .deleteAttribute('span', server, 'app.tags')
    .drop('span', 2)
    .setAttribute('resource', 0, 'deployment.environment.name', 'prod')
    .deleteAttribute('resource', 0, 'host.cpus')
    .encode();
  const after = decodeTraces(out);
  assert.equal(after.spanCount, view.spanCount - 1);
  assert.deepEqual(attrs(after.resourceAttributes(0)), { 'service.name': 'checkout', 'cloud.region': 'eu-west-1', 'deployment.environment.name': 'prod' });
  const first = attrs(after.spans().seek(server).attributes());
  assert.equal(first['http.method'], 'GET');
  assert.equal(first['http.request.method'], undefined);
  assert.equal(first['app.tags'], undefined);
  assert.equal(first['app.flag'], true);
  const names = [];
  const c = after.spans();
  while (c.next()) names.push(c.name);
  assert.deepEqual(names, spans.filter((_, i) => i !== 2).map((s) => s.name));
});

test('dropping every span of a resource drops the resource group', () => {
  const view = decodeTraces(proto);
  const e = view.edit();
  for (let i = 0; i < view.spanCount; i++) e.drop('span', i);
  assert.equal(decodeTraces(e.encode()).resourceCount, 0);
});

test('the trace builder writes SDK spans that decode to exactly what the SDK recorded', () => {
  const bytes = buildTraces([{
    resource: { attributes: RESOURCE },
    scopeSpans: [{
      scope: { name: '@acme/http', version: '2.1.0' },
      spans: spans.map((s) => ({
        traceId: s.spanContext().traceId, spanId: s.spanContext().spanId, parentSpanId: s.parentSpanContext?.spanId,
        flags: s.spanContext().traceFlags, name: s.name, kind: s.kind + 1,
        startTimeUnixNano: s.startTime, endTimeUnixNano: s.endTime, attributes: s.attributes as Attributes,
        events: s.events.map((e) => ({ timeUnixNano: e.time, name: e.name, attributes: e.attributes as Attributes })),
        links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: l.attributes as Attributes })),
        status: { code: s.status.code, message: s.status.message },
      })),
    }],
  }]);
  assertSameAsSdk(decodeTraces(bytes), spans, 2n ** 60n);
});

test('gRPC framing round-trips requests, incrementally too', () => {
  const framed = new Uint8Array([...frameGrpcMessage(proto), ...frameGrpcMessage(proto)]);
  const whole = unframeGrpcMessages(framed);
  assert.equal(whole.length, 2);
  assert.deepEqual(Buffer.from(whole[1]!.message), Buffer.from(proto));
  const d = new GrpcFrameDecoder();
  const got = [...d.push(framed.subarray(0, 7)), ...d.push(framed.subarray(7, 400)), ...d.push(framed.subarray(400))];
  assert.equal(got.length, 2);
  assert.equal(decodeTraces(got[0]!.message).spanCount, spans.length);
  assert.throws(() => unframeGrpcMessages(framed.subarray(0, 9)), (e: unknown) => e instanceof OtlpDecodeError && e.code === 'OTLP_GRPC_FRAME');
  assert.equal(otlpGrpcMethod('traces').path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
});
