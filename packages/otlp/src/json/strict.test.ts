// OTLP/JSON that parsers would read differently is refused; a bad id costs its record only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpDecodeError, decodeLogsJson, decodeMetricsJson, decodeTracesJson } from '../index.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function code(fn: () => unknown): string | undefined {
  try { fn(); return undefined; } catch (e) {
    assert.ok(e instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${String(e)}`);
    return e.code;
  }
}

const resource = (attrs: string): string => `{"resource":{"attributes":[${attrs}]}}`;
const svc = (value: string): string => `{"key":"service.name","value":${value}}`;

test('a key twice in one JSON object is OTLP_DUPLICATE_FIELD, wherever it is', () => {
  // Two "resource" keys: JSON.parse keeps checkout, a streaming parser payments.
  const twoResources = `{"resourceSpans":[{"resource":{"attributes":[${svc('{"stringValue":"payments"}')}]},"resource":{"attributes":[${svc('{"stringValue":"checkout"}')}]}}]}`;
  let error: unknown;
  try { decodeTracesJson(twoResources); } catch (e) { error = e; }
  assert.ok(error instanceof OtlpDecodeError);
  assert.equal(error.code, 'OTLP_DUPLICATE_FIELD');
  assert.equal(twoResources.slice(error.offset, error.offset + 10), '"resource"');
  assert.equal(code(() => decodeTracesJson(`{"resourceSpans":[${resource(`{"key":"service.name","value":{"stringValue":"a"},"value":{"stringValue":"b"}}`)}]}`)), 'OTLP_DUPLICATE_FIELD');
  assert.equal(code(() => decodeTracesJson('{"resourceSpans":[],"resourceSpans":[]}')), 'OTLP_DUPLICATE_FIELD');
  assert.equal(code(() => decodeTracesJson('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","name":"b"}]}]}]}')), 'OTLP_DUPLICATE_FIELD');
  assert.equal(code(() => decodeTracesJson('{"future":1,"future":2,"resourceSpans":[]}')), 'OTLP_DUPLICATE_FIELD'); // unknown keys too
  assert.equal(code(() => decodeTracesJson('{"future":{"a":1,"a":2},"resourceSpans":[]}')), 'OTLP_DUPLICATE_FIELD'); // and inside unknown values
  assert.equal(code(() => decodeTracesJson('{"future":{"a":1,"b":{"a":2}},"resourceSpans":[]}')), undefined); // the same key in two objects is fine
});

test('two service.name keys, or a non-string one, are refused in OTLP/JSON as in protobuf', () => {
  const traces = (attrs: string): string => `{"resourceSpans":[${resource(attrs)}]}`;
  assert.equal(code(() => decodeTracesJson(traces(`${svc('{"stringValue":"payments"}')},${svc('{"stringValue":"checkout"}')}`))), 'OTLP_DUPLICATE_ATTRIBUTE_KEY');
  for (const value of ['{"arrayValue":{"values":[{"stringValue":"cart-x"},{"stringValue":"payments"}]}}', '{"intValue":"7"}', '{"kvlistValue":{"values":[]}}', '{"bytesValue":"AAE="}', '{}', '{"boolValue":true}', '{"doubleValue":1.5}']) {
    assert.equal(code(() => decodeTracesJson(traces(svc(value)))), 'OTLP_SERVICE_NAME_NOT_STRING', value);
  }
  assert.equal(code(() => decodeTracesJson(traces(svc('{"stringValue":"cart-x"}')))), undefined);
  assert.equal(code(() => decodeLogsJson(`{"resourceLogs":[${resource(`${svc('{"stringValue":"a"}')},${svc('{"stringValue":"b"}')}`)}]}`)), 'OTLP_DUPLICATE_ATTRIBUTE_KEY');
  assert.equal(code(() => decodeMetricsJson(`{"resourceMetrics":[${resource(svc('{"intValue":"1"}'))}]}`)), 'OTLP_SERVICE_NAME_NOT_STRING');
});

test('an AnyValue with two members is OTLP_ONEOF_CONFLICT in OTLP/JSON too', () => {
  const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","attributes":[{"key":"k","value":{"stringValue":"a","intValue":"1"}}]}]}]}]}`;
  assert.equal(code(() => decodeTracesJson(body)), 'OTLP_ONEOF_CONFLICT');
});

test('a JSON integer longer than 25 characters is refused before it is parsed', () => {
  const span = (time: string): string => `{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":${time}}]}]}]}`;
  assert.equal(code(() => decodeTracesJson(span('1'.repeat(26)))), 'OTLP_JSON_VALUE');
  assert.equal(code(() => decodeTracesJson(span(`"${'1'.repeat(100_000)}"`))), 'OTLP_JSON_VALUE');
  assert.equal(code(() => decodeTracesJson(span(`"${'0'.repeat(5)}18446744073709551615"`))), undefined); // 25 characters still parse
});

test('a non-hex id keeps its record with an id no validation accepts, instead of refusing the request', () => {
  const spans = [`{"traceId":"not-hex!","spanId":"${SPAN}","name":"bad"}`, `{"traceId":"${TRACE}","spanId":"${SPAN}","name":"good"}`];
  const view = decodeTracesJson(`{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`);
  const cursor = view.spans();
  assert.ok(cursor.next());
  assert.equal(cursor.name, 'bad');
  assert.equal(cursor.traceId.length, 1); // neither empty nor 16 bytes: refused by id validation
  assert.ok(cursor.next());
  assert.equal(cursor.traceIdHex, TRACE);
  const logs = decodeLogsJson(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"zz"}]}]}]}`).logs();
  assert.ok(logs.next());
  assert.equal(logs.spanId.length, 1);
});
