// The processor between socket and queue: what parsers could read differently is refused whole;
// a record with a bad id is refused alone; nothing empty reaches a destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraces, decodeTraces, decodeMetrics, type SpanInput } from '@cairn/otlp';
import { parseConfig } from '../config/load.js';
import { BatchProcessor, type ProcessRequest, type ProcessResult } from './process.js';
import { anyValue, keyValue, repeatedResource, resource, tracesWithResources } from '../testing/crafted.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

const processor = new BatchProcessor(parseConfig(`
receivers: { otlp: { http: { endpoint: 127.0.0.1:0 }, grpc: null } }
admin: null
storage: { directory: /tmp/cairn-process-test-unused }
auth:
  tenants:
    team-checkout: { token_sha256: ['${'0'.repeat(64)}'], services: [checkout, cart-*] }
destinations:
  all: { exporter: { debug: {} } }
  eu: { exporter: { debug: {} }, when: "resource['cloud.region'] == 'eu'" }
`, 'process.test.yaml'));

function run(request: Partial<ProcessRequest> & { body: Uint8Array }): ProcessResult {
  return processor.process({ signal: 'traces', format: 'protobuf', tenant: 'team-checkout', ...request });
}

function refusedWith(result: ProcessResult, code: string): void {
  assert.equal(result.ok, false, 'expected the request to be refused');
  if (result.ok) return;
  assert.equal(result.status, 'invalid');
  assert.match(result.message, new RegExp(`^${code} at byte \\d+`));
}

const span = (name = 'op', extra: Partial<SpanInput> = {}): SpanInput => ({ traceId: TRACE, spanId: SPAN, name, startTimeUnixNano: 1n, endTimeUnixNano: 2n, ...extra });

test('a ResourceSpans with two Resource messages is refused whole, whichever name comes last', () => {
  // Protobuf parsers merge the two: backends would file it under payments; the old reader saw checkout.
  refusedWith(run({ body: repeatedResource('payments', 'checkout', [span()]) }), 'OTLP_DUPLICATE_FIELD');
  refusedWith(run({ body: repeatedResource('checkout', 'cart-x', [span()]) }), 'OTLP_DUPLICATE_FIELD');
});

test('a Resource with two service.name keys is refused whole', () => {
  const twice = resource(keyValue('service.name', anyValue.string('checkout')), keyValue('service.name', anyValue.string('payments')));
  refusedWith(run({ body: tracesWithResources([twice], [span()]) }), 'OTLP_DUPLICATE_ATTRIBUTE_KEY');
  const otherKey = resource(keyValue('service.name', anyValue.string('checkout')), keyValue('cloud.region', anyValue.string('eu')), keyValue('cloud.region', anyValue.string('us')));
  refusedWith(run({ body: tracesWithResources([otherKey], [span()]) }), 'OTLP_DUPLICATE_ATTRIBUTE_KEY');
});

test('a service.name that is not a string is refused whole, never stringified into a match', () => {
  const control = run({ body: tracesWithResources([resource(keyValue('service.name', anyValue.string('cart-x')))], [span()]) });
  assert.ok(control.ok && control.outputs[0]!.items === 1, 'the crafted request with a string name is accepted');
  for (const value of [anyValue.array(anyValue.string('cart-x'), anyValue.string('payments')), anyValue.int(7), anyValue.empty()]) {
    refusedWith(run({ body: tracesWithResources([resource(keyValue('service.name', value))], [span()]) }), 'OTLP_SERVICE_NAME_NOT_STRING');
  }
});

test('a resource without service.name is unknown_service, which this tenant does not own', () => {
  const result = run({ body: buildTraces([{ scopeSpans: [{ spans: [span()] }] }]) });
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.message, /service\.name "unknown_service"/);
});

test('an empty request, or one whose every record was refused, reaches no destination', () => {
  const empty = run({ body: new Uint8Array(0) });
  assert.deepEqual(empty, { ok: true, items: 0, rejectedItems: 0, outputs: [], unroutedItems: 0 });
  const noSpans = run({ body: buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ spans: [] }] }]) });
  assert.equal(noSpans.ok && noSpans.outputs.length, 0);
  const allBad = run({ body: buildTraces([{ resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ spans: [span('a', { parentSpanId: new Uint8Array(8) })] }] }]) });
  assert.ok(allBad.ok);
  assert.equal(allBad.rejectedItems, 1);
  assert.deepEqual(allBad.outputs, []);
});

test('a routed subset with no records is not sent', () => {
  const body = buildTraces([
    { resource: { attributes: { 'service.name': 'checkout', 'cloud.region': 'eu' } }, scopeSpans: [{ spans: [] }] },
    { resource: { attributes: { 'service.name': 'checkout', 'cloud.region': 'us' } }, scopeSpans: [{ spans: [span()] }] },
  ]);
  const result = run({ body });
  assert.ok(result.ok);
  assert.deepEqual(result.outputs.map((o) => o.destination), ['all']);
});

function traceJson(spans: object[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeSpans: [{ spans }] }] }));
}

function keptSpanNames(result: ProcessResult): string[] {
  assert.ok(result.ok);
  const spans = decodeTraces(result.outputs[0]!.body).spans();
  const names: string[] = [];
  while (spans.next()) names.push(spans.name);
  return names;
}

test('bad parent, link and JSON ids refuse their span alone, reported as a partial success', () => {
  const good = { traceId: TRACE, spanId: SPAN, name: 'good' };
  const spans = [
    good,
    { ...good, name: 'parent-short', parentSpanId: 'b7ad6b71' },
    { ...good, name: 'parent-zero', parentSpanId: '0000000000000000' },
    { ...good, name: 'link-trace', links: [{ traceId: 'abcd', spanId: SPAN }] },
    { ...good, name: 'link-span', links: [{ traceId: TRACE, spanId: 'b7ad6b7169203331ff' }] },
    { ...good, name: 'non-hex', traceId: 'zz'.repeat(16) },
    { ...good, name: 'link-non-hex', links: [{ traceId: TRACE, spanId: 'not hex' }] },
    { ...good, name: 'link-empty', links: [{ traceState: 'k=v' }] }, // the spec keeps links with an invalid context
    { ...good, name: 'parent-ok', parentSpanId: SPAN },
  ];
  const result = run({ format: 'json', body: traceJson(spans) });
  assert.ok(result.ok);
  assert.equal(result.items, 9);
  assert.equal(result.rejectedItems, 6);
  assert.match(result.rejectMessage!, /^6 spans refused: .*parent_span_id/);
  assert.deepEqual(keptSpanNames(result), ['good', 'link-empty', 'parent-ok']);
  assert.equal(result.outputs[0]!.items, 3);
});

test('a data point with a malformed exemplar id is refused alone; the rest of the metric is kept', () => {
  const point = (value: number, exemplar: object): object => ({ asInt: String(value), timeUnixNano: '1', exemplars: [{ asDouble: 1, timeUnixNano: '1', ...exemplar }] });
  const metrics = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeMetrics: [{ metrics: [
    { name: 'm', gauge: { dataPoints: [point(1, { traceId: TRACE, spanId: SPAN }), point(2, { traceId: 'abcd' }), point(3, { spanId: 'xyz' }), point(4, {})] } },
    { name: 'h', histogram: { dataPoints: [{ count: '1', timeUnixNano: '1', exemplars: [{ asDouble: 1, spanId: SPAN + '00' }] }] } },
  ] }] }] };
  const result = run({ signal: 'metrics', format: 'json', body: new TextEncoder().encode(JSON.stringify(metrics)) });
  assert.ok(result.ok);
  assert.equal(result.items, 5);
  assert.equal(result.rejectedItems, 3);
  assert.match(result.rejectMessage!, /^3 data points refused: exemplar/);
  const view = decodeMetrics(result.outputs[0]!.body);
  const points = view.dataPoints();
  const values: unknown[] = [];
  while (points.next()) values.push(points.value);
  assert.deepEqual(values, [1, 4]);
  assert.equal(view.metricCount, 1); // the histogram lost its only point, so it went too
});

test('log records with a non-hex id in OTLP/JSON are refused alone', () => {
  const logs = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'ok' } }, { traceId: 'q'.repeat(32), body: { stringValue: 'bad' } }] }] }] };
  const result = run({ signal: 'logs', format: 'json', body: new TextEncoder().encode(JSON.stringify(logs)) });
  assert.ok(result.ok);
  assert.equal(result.rejectedItems, 1);
  assert.equal(result.outputs[0]!.items, 1);
});
