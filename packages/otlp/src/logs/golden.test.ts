import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufLogsSerializer, JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { AttributeCursor, decodeLogs, decodeLogsJson, jsonToProtobuf, protobufToJson, type AnyValue, type LogsView } from '../index.js';
import { RESOURCE, hrToNanos, sdkLogs } from '../testing/fixtures.test.js';

const records = sdkLogs();
const proto = ProtobufLogsSerializer.serializeRequest(records)!;

function attrs(c: AttributeCursor): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  while (c.next()) out[c.key] = c.value;
  return out;
}

/** SDK bodies as the view returns them: objects are kvlists (Maps). */
function asAnyValue(v: unknown): AnyValue {
  if (Array.isArray(v)) return v.map(asAnyValue);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, asAnyValue(x)]));
  return (v ?? null) as AnyValue;
}

function assertSameAsSdk(view: LogsView): void {
  assert.equal(view.logCount, records.length);
  assert.deepEqual(attrs(view.resourceAttributes(0)), RESOURCE);
  assert.equal(view.scopeName(0), '@acme/log');
  const c = view.logs();
  for (const r of records) {
    assert.ok(c.next());
    assert.equal(c.severityNumber, r.severityNumber ?? 0);
    assert.equal(c.severityText, r.severityText ?? '');
    assert.deepEqual(c.body, asAnyValue(r.body));
    assert.equal(c.timeUnixNano, hrToNanos(r.hrTime));
    assert.equal(c.observedTimeUnixNano, hrToNanos(r.hrTimeObserved));
    assert.equal(c.eventName, r.eventName ?? '');
    assert.deepEqual(attrs(c.attributes()), r.attributes);
  }
  assert.equal(c.next(), false);
}

test('log records from the OTel SDK protobuf serializer decode to exactly what was sent', () => {
  assertSameAsSdk(decodeLogs(proto));
});

test('log records from the OTel SDK JSON serializer decode to exactly what was sent', () => {
  assertSameAsSdk(decodeLogsJson(JsonLogsSerializer.serializeRequest(records)!));
});

test('log batches round-trip protobuf -> JSON -> protobuf byte for byte, and unedited re-encode is identical', () => {
  assert.deepEqual(Buffer.from(jsonToProtobuf('logs', protobufToJson('logs', proto))), Buffer.from(proto));
  assert.equal(decodeLogs(proto).edit().encode(), proto);
});

test('a log attribute can be masked and a log record dropped', () => {
  const view = decodeLogs(proto);
  const out = decodeLogs(view.edit().setAttribute('log', 0, 'order.id', '***').drop('log', 1).encode());
  assert.equal(out.logCount, 2);
  const c = out.logs();
  c.next();
  assert.equal(attrs(c.attributes())['order.id'], '***');
  assert.equal(c.body, 'order placed');
  c.next();
  assert.equal(c.body, 'no severity');
});
