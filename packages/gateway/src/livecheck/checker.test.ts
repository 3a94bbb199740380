import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraces, jsonToProtobuf, type SpanInput } from '@cairn/otlp';
import { LiveChecker } from './checker.js';
import { allFindings, exitCodeOf, renderReport } from './report.js';
import { exampleRegistry, SKIP_WITHOUT_MODEL, upstreamRegistry } from './test-support.js';

function span(i: number, attributes: SpanInput['attributes']): SpanInput {
  return {
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'),
    name: i % 2 ? 'POST /checkout' : 'GET /cart', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes,
  };
}

function batch(spans: SpanInput[]): Uint8Array {
  return buildTraces([{ resource: { attributes: { 'service.name': 'shop', 'service.version': '1.2.3' } }, scopeSpans: [{ scope: { name: 'shop' }, spans }] }]);
}

function counts(findings: { id: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.id] = (out[f.id] ?? 0) + 1;
  return out;
}

test('a synthetic stream with known truth: exact finding counts, statistics and suggestions', () => {
  const checker = new LiveChecker(exampleRegistry());
  const N = 1000;
  for (let b = 0; b < 4; b++) {
    const spans: SpanInput[] = [];
    for (let j = 0; j < N / 4; j++) {
      const i = b * (N / 4) + j;
      spans.push(span(i, {
        'acme.cart.total': 12.5,                            // known, development → not_stable
        'acme.order.currency': i % 2 ? 'EUR' : 'XXX',        // every other one undefined_enum_variant
        'acme.tenant.id': `tenant-${i}`,                    // N distinct values
        cartTotals: 3,                                      // unknown → missing_attribute + missing_namespace, suggestion acme.cart.total
        ...(i % 10 === 0 ? { 'acme.cart.item_count': 'seven' } : {}), // type_mismatch, N/10 times
        ...(i % 4 === 0 ? { 'acme.cart.value': 1.5 } : {}), // deprecated, renamed to acme.cart.total
        ...(i % 5 === 0 ? { orderId: 'o-1' } : {}),         // an alias → deprecated with its canonical name
      }));
    }
    checker.ingest('traces', batch(spans));
  }
  const report = checker.report();
  const findings = allFindings(report);
  assert.deepEqual(counts(findings), {
    not_stable: N + N + N + N / 10 + N / 4,   // cart.total, order.currency, tenant.id, cart.item_count, cart.value (orderId is an alias: no stability finding)
    undefined_enum_variant: N / 2,
    missing_attribute: N,
    missing_namespace: N,
    invalid_format: N + N / 5,             // cartTotals and orderId are not lowercase dotted words
    type_mismatch: N / 10,
    deprecated: N / 4 + N / 5,
  });
  const missing = findings.find((f) => f.id === 'missing_attribute')!;
  assert.deepEqual(missing.context, { attribute_key: 'cartTotals', suggestion: 'acme.cart.total', suggestion_kind: 'normalized' });
  assert.equal(missing.signal_type, 'span');
  assert.ok(['GET /cart', 'POST /checkout'].includes(missing.signal_name!));
  const deprecated = findings.filter((f) => f.id === 'deprecated');
  assert.deepEqual(new Set(deprecated.map((f) => `${String(f.context.attribute_key)}→${String(f.context.canonical)}`)), new Set(['acme.cart.value→acme.cart.total', 'orderId→acme.order.id']));
  const mismatch = findings.find((f) => f.id === 'type_mismatch')!;
  assert.deepEqual(mismatch.context, { attribute_key: 'acme.cart.item_count', attribute_type: 'string', expected: 'int' });

  const stats = report.statistics as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(stats.total_entities_by_type.span, N);
  assert.equal(stats.total_entities_by_type.resource, 4);
  assert.equal(stats.seen_registry_attributes['acme.cart.total'], N);
  assert.equal(stats.seen_registry_attributes['service.name'], 4);
  assert.equal(stats.seen_non_registry_attributes.cartTotals, N);
  assert.equal(stats.seen_non_registry_attributes.orderId, N / 5);
  assert.equal(stats.advice_level_counts.violation, N + N / 10 + N / 4 + N / 5 + N + N / 5);
  assert.deepEqual(stats.cairn.attributes['acme.tenant.id'], { count: N, types: ['string'], distinct_values: N, distinct_exact: true, in_registry: true });
  assert.deepEqual(stats.cairn.attributes['acme.order.currency'].distinct_values, 2);
  const span_ = stats.cairn.coverage_by_signal.span;
  assert.equal(span_.seen_keys, 7);
  assert.equal(span_.registry_keys_seen, 4, 'a deprecated key and an alias do not count for the registry');
  assert.equal(span_.share_of_seen_in_registry, 4 / 7);
  assert.equal(stats.cairn.coverage_by_signal.resource.share_of_seen_in_registry, 1);
  assert.ok(stats.registry_coverage > 0 && stats.registry_coverage < 1);

  assert.equal(exitCodeOf(report, 'violation'), 1);
  assert.equal(exitCodeOf(report, 'none'), 0);
  const md = renderReport(report, 'md');
  assert.match(md, /\| violation \| `missing_attribute` \| `cartTotals` \| 1000 \|.*did you mean acme\.cart\.total\? \|/);
  const ansi = renderReport(report, 'ansi', false);
  assert.match(ansi, /missing_attribute +cartTotals ×1000 — did you mean acme\.cart\.total\?/);
  const json = JSON.parse(renderReport(report, 'json')) as { samples: unknown[]; statistics: Record<string, unknown> };
  assert.deepEqual(Object.keys(json).sort(), ['samples', 'statistics']);
  for (const field of ['total_entities', 'total_advisories', 'advice_level_counts', 'highest_advice_level_counts', 'no_advice_count', 'advice_type_counts', 'seen_registry_attributes', 'seen_non_registry_attributes', 'registry_coverage']) {
    assert.ok(field in json.statistics, field);
  }
});

test('100k distinct values of one key: counted exactly, estimated within 2%', () => {
  const checker = new LiveChecker(exampleRegistry(), { maxSamples: 0, detectPii: false });
  const N = 100_000;
  for (let b = 0; b < N / 2000; b++) {
    const spans: SpanInput[] = [];
    for (let j = 0; j < 2000; j++) spans.push(span(b * 2000 + j, { 'acme.order.id': `order-${b * 2000 + j}`, 'acme.payment.provider': 'stripe' }));
    checker.ingest('traces', batch(spans));
  }
  const stats = checker.report().statistics as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const order = stats.cairn.attributes['acme.order.id'];
  assert.equal(order.count, N);
  assert.equal(order.distinct_exact, false);
  assert.ok(Math.abs(order.distinct_values - N) / N < 0.02, `estimate ${order.distinct_values}`);
  assert.deepEqual(stats.cairn.attributes['acme.payment.provider'], { count: N, types: ['string'], distinct_values: 1, distinct_exact: true, in_registry: true });
  assert.equal(stats.cairn.samples_not_kept, N + N / 2000 * 2);
});

test('PII in an attribute not declared pii is a finding that names the detector, never the value', () => {
  const checker = new LiveChecker(exampleRegistry());
  checker.ingest('traces', batch([span(0, { note: 'write to bob@example.com', 'acme.payment.card.last4': 'card 4111 1111 1111 1111' })]));
  const report = checker.report();
  const pii = allFindings(report).filter((f) => f.id === 'undeclared_pii');
  assert.equal(pii.length, 1, 'the declared-pii field is not reported');
  assert.equal(pii[0]!.context.attribute_key, 'note');
  assert.deepEqual(pii[0]!.context.detectors, ['email']);
  assert.doesNotMatch(JSON.stringify(report), /bob@example\.com/);
});

test('metrics against the upstream model: missing_metric, unit_mismatch, and requirement levels on data points', { skip: SKIP_WITHOUT_MODEL }, () => {
  const checker = new LiveChecker(upstreamRegistry());
  const point = (attributes: Record<string, string>): unknown => ({
    attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
    count: '1', sum: 0.2, bucketCounts: ['1'], explicitBounds: [], timeUnixNano: '2',
  });
  const request = {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeMetrics: [{
        metrics: [
          { name: 'http.server.request.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [point({ 'http.request.method': 'GET', 'url.scheme': 'http' }), point({ 'http.route': '/cart' })] } },
          { name: 'acme.checkout.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [point({})] } },
        ],
      }],
    }],
  };
  checker.ingest('metrics', jsonToProtobuf('metrics', JSON.stringify(request)));
  const findings = allFindings(checker.report());
  const of = (id: string): string[] => findings.filter((f) => f.id === id).map((f) => String(f.context.attribute_key ?? f.context.metric_name ?? f.context.unit));
  assert.deepEqual(of('missing_metric'), ['acme.checkout.duration']);
  assert.deepEqual(of('unit_mismatch'), ['ms']);
  assert.deepEqual(findings.find((f) => f.id === 'unit_mismatch')!.context, { unit: 'ms', expected: 's' });
  // The second point lacks both required attributes; the first has them.
  assert.deepEqual(of('required_attribute_not_present').sort(), ['http.request.method', 'url.scheme']);
  assert.ok(findings.filter((f) => f.id === 'required_attribute_not_present').every((f) => f.level === 'violation' && f.signal_type === 'metric' && f.signal_name === 'http.server.request.duration'));
  assert.ok(of('opt_in_attribute_not_present').includes('server.address'));
  assert.ok(findings.filter((f) => f.id === 'opt_in_attribute_not_present').every((f) => f.level === 'information'));
  const stats = checker.report().statistics as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(stats.seen_registry_metrics['http.server.request.duration'], 1);
  assert.equal(stats.seen_non_registry_metrics['acme.checkout.duration'], 1);
});

test("Weaver's naming policies: invalid_format, illegal_namespace, extends_namespace", () => {
  const checker = new LiveChecker(exampleRegistry(), { detectPii: false });
  checker.ingest('traces', batch([span(0, {
    'acme.cart.id.prefix': 'x',          // acme.cart.id is an attribute: its name cannot be a namespace
    'acme.cart.colour': 'red',           // unknown, inside the registry's acme.cart namespace
    'Acme.Cart': 'x',                    // not lowercase
    'http.request.header.x-trace': ['a'], // a template instance: its free-form suffix is fine
  })]));
  const findings = allFindings(checker.report());
  const of = (id: string): string[] => findings.filter((f) => f.id === id).map((f) => `${String(f.context.attribute_key)}${f.context.namespace ? `@${String(f.context.namespace)}` : ''}`).sort();
  assert.deepEqual(of('illegal_namespace'), ['acme.cart.id.prefix@acme.cart.id']);
  // As Weaver's rules are independent, the illegal key is also an unknown one inside acme.cart.
  assert.deepEqual(of('extends_namespace'), ['acme.cart.colour@acme.cart', 'acme.cart.id.prefix@acme.cart']);
  assert.deepEqual(of('invalid_format'), ['Acme.Cart']);
  assert.deepEqual(of('template_attribute'), ['http.request.header.x-trace']);
});
