import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufMetricsSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AttributeCursor, decodeMetrics, decodeMetricsJson, jsonToProtobuf, protobufToJson, type AnyValue, type MetricsView } from '../index.js';
import { RESOURCE, sdkMetrics } from '../testing/fixtures.test.js';
import { ProtoWriter } from '../wire/writer.js';

function attrs(c: AttributeCursor): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  while (c.next()) out[c.key] = c.value;
  return out;
}

function summary(view: MetricsView): unknown[] {
  const out: unknown[] = [];
  const m = view.metrics();
  const p = view.dataPoints();
  while (m.next()) {
    const [first, end] = m.pointRange;
    for (let i = first; i < end; i++) {
      p.seek(i);
      out.push({ metric: m.name, type: m.type, unit: m.unit, temporality: m.aggregationTemporality, point: p.type, value: p.value, count: p.pointCount, sum: p.sum, attrs: attrs(p.attributes()) });
    }
  }
  return out;
}

test('metrics from the OTel SDK serializers decode to what was recorded (protobuf and JSON alike)', async () => {
  const rm = await sdkMetrics();
  const proto = ProtobufMetricsSerializer.serializeRequest(rm)!;
  const view = decodeMetrics(proto);
  assert.deepEqual(attrs(view.resourceAttributes(0)), RESOURCE);
  assert.equal(view.scopeName(0), '@acme/metrics');
  const got = summary(view);
  assert.deepEqual(got, [
    { metric: 'orders', type: 'sum', unit: '', temporality: 2, point: 'number', value: 3, count: 0n, sum: undefined, attrs: { 'payment.method': 'card' } },
    { metric: 'orders', type: 'sum', unit: '', temporality: 2, point: 'number', value: 1, count: 0n, sum: undefined, attrs: { 'payment.method': 'cash' } },
    { metric: 'latency', type: 'histogram', unit: 'ms', temporality: 2, point: 'histogram', value: undefined, count: 1n, sum: 12.5, attrs: { 'http.route': '/cart' } },
    { metric: 'queue.depth', type: 'gauge', unit: '', temporality: 0, point: 'number', value: 7, count: 0n, sum: undefined, attrs: { queue: 'emails' } },
    { metric: 'inflight', type: 'sum', unit: '', temporality: 2, point: 'number', value: -2, count: 0n, sum: undefined, attrs: {} },
  ]);
  assert.deepEqual(summary(decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!)), got);
  assert.deepEqual(Buffer.from(jsonToProtobuf('metrics', protobufToJson('metrics', proto))), Buffer.from(proto));
});

test('a data point attribute edit and a dropped point change only those points', async () => {
  const proto = ProtobufMetricsSerializer.serializeRequest(await sdkMetrics())!;
  const view = decodeMetrics(proto);
  const out = decodeMetrics(view.edit().renameAttribute('point', 0, 'payment.method', 'payment.type').drop('point', 1).encode());
  assert.equal(out.dataPointCount, view.dataPointCount - 1);
  const s = summary(out) as { attrs: unknown; metric: string }[];
  assert.deepEqual(s[0]!.attrs, { 'payment.type': 'card' });
  assert.equal(s[1]!.metric, 'latency');
  const before = summary(view).slice(2);
  assert.deepEqual(s.slice(1), before);
});

test('every metric and data point type reads its type and its own attributes field', () => {
  const message = (build: (w: ProtoWriter) => void): Uint8Array => { const w = new ProtoWriter(64); build(w); return w.finish().slice(); };
  const sub = (w: ProtoWriter, no: number, body: Uint8Array): void => w.bytesField(no, body, 0, body.length);
  const keyValue = (key: string): Uint8Array => message((w) => { w.stringField(1, key); sub(w, 2, message((v) => v.stringField(1, 'v'))); });
  /** A metric with one data point in field `data`, whose attributes are field `attrField`. */
  const metric = (name: string, data: number[], attrField: number): Uint8Array => message((w) => {
    w.stringField(1, name);
    for (const no of data) sub(w, no, message((d) => sub(d, 1, message((p) => sub(p, attrField, keyValue(`${name}.${no}`))))));
  });
  const metrics = [metric('gauge', [5], 7), metric('sum', [7], 7), metric('histogram', [9], 9), metric('exp', [10], 1), metric('summary', [11], 7), metric('none', [], 7)];
  const view = decodeMetrics(message((w) => sub(w, 1, message((rm) => sub(rm, 2, message((sm) => { for (const m of metrics) sub(sm, 2, m); }))))));
  const points = view.dataPoints();
  assert.equal(points.type, 'number'); // before the first point
  assert.deepEqual(attrs(points.attributes()), {});
  const got: unknown[] = [];
  const m = view.metrics();
  while (m.next()) {
    const [first, end] = m.pointRange;
    const ps: unknown[] = [];
    for (let i = first; i < end; i++) ps.push([points.seek(i).type, Object.keys(attrs(points.attributes()))]);
    got.push([m.name, m.type, ps]);
  }
  assert.deepEqual(got, [
    ['gauge', 'gauge', [['number', ['gauge.5']]]],
    ['sum', 'sum', [['number', ['sum.7']]]],
    ['histogram', 'histogram', [['histogram', ['histogram.9']]]],
    ['exp', 'exponentialHistogram', [['exponentialHistogram', ['exp.10']]]],
    ['summary', 'summary', [['summary', ['summary.11']]]],
    ['none', 'empty', []],
  ]);
  // A metric that is both a gauge and a sum is read as one thing by one parser and another by the next.
  const two = message((w) => sub(w, 1, message((rm) => sub(rm, 2, message((sm) => sub(sm, 2, metric('two', [5, 7], 7)))))));
  assert.throws(() => decodeMetrics(two), (e: Error & { code?: string }) => e.code === 'OTLP_ONEOF_CONFLICT');
});

test('exemplars of number and histogram points read their ids, value and filtered attributes; summaries have none', () => {
  const exemplar = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', asInt: '7', timeUnixNano: '5', filteredAttributes: [{ key: 'k', value: { stringValue: 'v' } }] };
  const view = decodeMetricsJson(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [
    { name: 'g', gauge: { dataPoints: [{ asDouble: 1, exemplars: [exemplar, { asDouble: 2.5 }] }] } },
    { name: 'h', histogram: { dataPoints: [{ count: '1', exemplars: [exemplar] }] } },
    { name: 's', summary: { dataPoints: [{ count: '1' }] } },
  ] }] }] }));
  const points = view.dataPoints();
  const got: unknown[] = [];
  while (points.next()) {
    const e = points.exemplars();
    while (e.next()) got.push([points.index, e.traceIdHex, e.spanIdHex, e.value, e.timeUnixNano, attrs(e.filteredAttributes())]);
    if (points.type === 'summary') got.push([points.index, 'summary', e.next()]);
  }
  assert.deepEqual(got, [
    [0, exemplar.traceId, exemplar.spanId, 7, 5n, { k: 'v' }],
    [0, '', '', 2.5, 0n, {}],
    [1, exemplar.traceId, exemplar.spanId, 7, 5n, { k: 'v' }],
    [2, 'summary', false],
  ]);
});
