import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeCursor, decodeLogsJson, decodeMetricsJson, decodeTracesJson, viewToJson, type AnyValue } from '../index.js';
import { LOGS_JSON, METRICS_JSON, TRACE_JSON } from '../testing/spec-examples.test.js';

function attrs(c: AttributeCursor): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  while (c.next()) out[c.key] = c.value;
  return out;
}

/** The same document after the OTLP/JSON rules: ids lowercase hex, 64-bit integers as strings. */
function canonical(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc, (k, v) => {
    if (/Id$/.test(k) && typeof v === 'string') return v.toLowerCase();
    if (/UnixNano$|^intValue$|^count$|^bucketCounts$/.test(k)) return Array.isArray(v) ? v.map(String) : String(v);
    return v;
  }));
}

for (const [name, text, decode] of [
  ['trace.json', TRACE_JSON, decodeTracesJson],
  ['logs.json', LOGS_JSON, decodeLogsJson],
  ['metrics.json', METRICS_JSON, decodeMetricsJson],
] as const) {
  test(`the OTLP spec example ${name} round-trips through the view`, () => {
    const out = viewToJson(decode(text));
    assert.deepEqual(JSON.parse(out), canonical(JSON.parse(text)));
    assert.equal(viewToJson(decode(out)), out);
  });
}

test('the spec trace example reads as the spec describes it', () => {
  const view = decodeTracesJson(TRACE_JSON);
  const span = view.spans().seek(0);
  assert.equal(span.traceIdHex, '5b8efff798038103d269b633813fc60c');
  assert.equal(span.parentSpanIdHex, 'eee19b7ec3c1b173');
  assert.equal(span.kind, 2);
  assert.equal(span.startTimeUnixNano, 1544712660000000000n);
  assert.equal(span.durationNanos, 1e9);
  assert.deepEqual(attrs(view.scopeAttributes(0)), { 'my.scope.attribute': 'some scope attribute' });
});

test('the spec logs example keeps nested arrays and kvlists', () => {
  const log = decodeLogsJson(LOGS_JSON).logs().seek(0);
  const a = attrs(log.attributes());
  assert.deepEqual(a['array.attribute'], ['many', 'values']);
  assert.deepEqual(a['map.attribute'], new Map([['some.map.key', 'some value']]));
  assert.equal(a['double.attribute'], 637.704);
  assert.equal(log.body, 'Example log record');
});

test('the spec metrics example exposes sum, gauge and histogram points', () => {
  const view = decodeMetricsJson(METRICS_JSON);
  const p = view.dataPoints();
  const seen = [];
  while (p.next()) seen.push([p.type, p.value ?? p.sum, attrs(p.attributes())]);
  assert.deepEqual(seen, [
    ['number', 5, { 'my.counter.attr': 'some value' }],
    ['number', 10, { 'my.gauge.attr': 'some value' }],
    ['histogram', 3, { 'my.histogram.attr': 'some value' }],
  ]);
});
