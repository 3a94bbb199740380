// The tap on synthetic streams with known truth: exact counts, re-weighting, bytes, types, narrow
// spans per route, kept values only for enum/public keys, PII findings, and conformance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLogs, decodeTraces, jsonToProtobuf } from '@cairn/otlp';
import { exampleRegistry } from '../livecheck/test-support.js';
import { parseConfig } from '../config/load.js';
import { BatchProcessor } from '../pipeline/process.js';
import { compileStrategy } from '../strategy/compile.js';
import { InventoryAggregate } from './aggregate.js';
import { inventoryJson, Judge } from './query.js';
import { InventoryTap, SCAN_PER_BATCH } from './tap.js';
import { span, traces } from './test-support.js';

function stream(): Uint8Array[] {
  const cart = [];
  for (let i = 0; i < 6; i++) cart.push(span('GET /cart', { 'http.route': '/cart', 'http.request.method': 'GET', 'url.path': '/cart' }, i === 0 ? { status: { code: 2 } } : {}));
  for (let i = 0; i < 4; i++) cart.push(span('GET /cart', { 'http.route': '/cart', 'http.request.method': 'GET', 'url.path': '/cart', 'acme.cart.id': `cart-${i}`, 'acme.payment.method': i < 2 ? 'card' : 'bitcoin' }));
  const checkout = [];
  for (let i = 0; i < 5; i++) checkout.push(span('POST /checkout', { 'http.route': '/checkout', 'http.request.method': 'POST', SampleRate: 10, userId: 'u-12', customerEmail: `jane${i}@example.com` }));
  for (let i = 0; i < 3; i++) checkout.push(span('POST /checkout', { 'http.route': '/checkout', 'http.method': 'POST', 'acme.cart.total': '12' }, { traceState: 'ot=th:8' }));
  return [traces('checkout', cart), traces('checkout', checkout)];
}

function run(registry: ReturnType<typeof exampleRegistry> | null = exampleRegistry()): InventoryAggregate {
  const tap = new InventoryTap(registry ?? undefined);
  const aggregate = new InventoryAggregate();
  // Structured-cloned, as it crosses from a processing thread.
  for (const body of stream()) aggregate.add(structuredClone(tap.record(decodeTraces(body))));
  return aggregate;
}

test('exact counts, weights, bytes and types per service, span name and key', () => {
  const a = run();
  const cart = a.groups.get('checkout\u0000traces\u0000GET /cart\u0000server')!;
  assert.deepEqual({ events: cart.events, observed: cart.observed, narrow: cart.narrow, errors: cart.errors, errorsNarrow: cart.errorsNarrow }, { events: 10, observed: 10, narrow: 6, errors: 1, errorsNarrow: 1 });
  const route = cart.attributes.get('span\u0000http.route')!;
  // KeyValue{key: 2 + 10 bytes, value: AnyValue{string "/cart"}: 2 + 7 bytes} = 21 bytes, 10 times.
  assert.deepEqual({ count: route.count, observed: route.observed, bytes: route.bytes, types: [...route.types], distinct: route.sketch.estimate() }, { count: 10, observed: 10, bytes: 210, types: ['string'], distinct: 1 });
  const cartId = cart.attributes.get('span\u0000acme.cart.id')!;
  assert.deepEqual({ count: cartId.count, distinct: cartId.sketch.estimate(), values: cartId.values.size }, { count: 4, distinct: 4, values: 0 }, 'an internal key: counted, its values never kept');
  assert.deepEqual(Object.fromEntries(cart.attributes.get('span\u0000acme.payment.method')!.values), { card: 2, bitcoin: 2 }, 'a public enum: values kept');
  assert.deepEqual(Object.fromEntries(cart.attributes.get('span\u0000http.request.method')!.values), { GET: 10 });

  const checkout = a.groups.get('checkout\u0000traces\u0000POST /checkout\u0000server')!;
  // 5 spans at SampleRate 10, 3 at th:8 (p = 1/2): 50 + 6.
  assert.deepEqual({ events: checkout.events, observed: checkout.observed, narrow: checkout.narrow }, { events: 56, observed: 8, narrow: 50 }, 'acme.cart.total makes the th:8 spans not narrow');
  assert.equal(checkout.attributes.get('span\u0000userId')!.count, 50, 'an alias of an upstream key: not business context');
  assert.equal(checkout.attributes.get('span\u0000acme.cart.total')!.count, 6);
  const email = checkout.attributes.get('span\u0000customerEmail')!;
  assert.deepEqual({ scanned: email.scanned, findings: Object.fromEntries(email.findings) }, { scanned: SCAN_PER_BATCH, findings: { email: SCAN_PER_BATCH } });

  assert.deepEqual([...a.routes.values()].sort((x, y) => x.route.localeCompare(y.route)), [
    { service: 'checkout', route: '/cart', spans: 10, narrow: 6 },
    { service: 'checkout', route: '/checkout', spans: 56, narrow: 50 },
  ]);
  const resource = a.groups.get('checkout\u0000traces\u0000(resource)\u0000')!;
  assert.deepEqual({ events: resource.events, serviceName: resource.attributes.get('resource\u0000service.name')!.count }, { events: 2, serviceName: 2 });
});

test('no value leaves the tap except enum and public values', () => {
  const tap = new InventoryTap(exampleRegistry());
  const text = stream().map((b) => JSON.stringify(tap.record(decodeTraces(b)), (k, v: unknown) => (k === 'sketch' ? undefined : v))).join('\n');
  for (const secret of ['cart-0', 'jane0@example.com', 'example.com', 'u-12']) assert.ok(!text.includes(secret), `${secret} must not be in the delta`);
  assert.ok(text.includes('bitcoin') && text.includes('"GET"'), 'enum values are');
});

test('conformance against the registry, judged by the live-check advisor', () => {
  const json = inventoryJson(run(), new Judge(exampleRegistry()), 0, 3_600_000);
  assert.equal(json.services.length, 1);
  const s = json.services[0]!;
  assert.deepEqual({ events: s.events, narrow: s.narrow_spans, errors: s.error_spans, errorsNarrow: s.error_spans_narrow }, { events: 66, narrow: 56, errors: 1, errorsNarrow: 1 });
  assert.deepEqual(s.routes, [{ route: '/checkout', spans: 56, narrow: 50 }, { route: '/cart', spans: 10, narrow: 6 }]);
  const byKey = (key: string) => s.attributes.find((x) => x.key === key && x.place === 'span')!;
  assert.deepEqual(pick(byKey('acme.cart.total')), { conformance: 'type_mismatch', canonical: null, owner: 'team-checkout', sensitivity: 'internal' });
  assert.deepEqual(pick(byKey('http.method')), { conformance: 'deprecated', canonical: 'http.request.method', owner: null, sensitivity: null });
  assert.deepEqual([byKey('userId').conformance, byKey('userId').canonical], ['alias', 'user.id']);
  assert.equal(byKey('customerEmail').conformance, 'unknown');
  assert.equal(byKey('acme.payment.method').conformance, 'undefined_enum_value');
  assert.equal(byKey('acme.cart.id').conformance, 'not_stable');
  assert.equal(byKey('http.route').conformance, 'conforming');
  assert.equal(byKey('http.route').share, 1);
  assert.equal(byKey('acme.cart.id').share, 4 / 66);
  assert.deepEqual(s.findings, [{ key: 'customerEmail', detector: 'email', count: SCAN_PER_BATCH, scanned: SCAN_PER_BATCH }]);
  // Sorted by count, largest first.
  const counts = s.attributes.map((x) => x.count);
  assert.deepEqual(counts, [...counts].sort((x, y) => y - x));
});

test('without a registry: counted, but narrow spans cannot be told and conformance is unknown', () => {
  const json = inventoryJson(run(null), new Judge(undefined), 0, 1);
  const s = json.services[0]!;
  assert.equal(s.narrow_spans, 0);
  assert.equal(json.registry, null);
  assert.ok(s.attributes.every((a) => a.conformance === 'unknown'));
});

test('the processor returns result.inventory only when inventory.enabled, computed on the batch as sent', () => {
  const yaml = (enabled: boolean) => `receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }\nauth: { anonymous: true }\ndestinations: { d: { exporter: { debug: {} } } }\ninventory: { enabled: ${enabled}, max_share: 1 }\n`;
  const strategy = compileStrategy({ keys: {}, registry: exampleRegistry() });
  const on = new BatchProcessor(parseConfig(yaml(true), 'on.yaml'), strategy ? { strategy } : {});
  const off = new BatchProcessor(parseConfig(yaml(false), 'off.yaml'), strategy ? { strategy } : {});
  const [body] = stream();
  const result = on.process({ signal: 'traces', format: 'protobuf', body: body!, tenant: 'anonymous' });
  assert.ok(result.ok && result.inventory);
  // Normalization renames aliases for the destinations; the inventory saw what was sent.
  const [, second] = stream();
  const r2 = on.process({ signal: 'traces', format: 'protobuf', body: second!, tenant: 'anonymous' });
  assert.ok(r2.ok && r2.inventory!.groups.some((g) => g.attributes.some((a) => a.key === 'userId')));
  const r3 = off.process({ signal: 'traces', format: 'protobuf', body: body!, tenant: 'anonymous' });
  assert.ok(r3.ok && r3.inventory === undefined);
});

test('a hostile sender cannot grow a batch delta without bound', () => {
  const tap = new InventoryTap(exampleRegistry());
  const attributes: Record<string, string> = {};
  for (let i = 0; i < 600; i++) attributes[`k${i}`] = 'v';
  const spans = [];
  for (let i = 0; i < 1500; i++) spans.push(span(`name-${i}`, i === 0 ? attributes : { a: 'b' }));
  const delta = tap.record(decodeTraces(traces('svc', spans)));
  assert.ok(delta.groups.length <= 1025 + 2, `${delta.groups.length} groups`);
  assert.ok(delta.groups.every((g) => g.attributes.length <= 256 + 1));
  assert.ok(delta.overflow > 0);
  assert.equal(delta.groups.reduce((n, g) => n + (g.kind === '' ? 0 : g.observed), 0), 1500, 'every span is still counted');
});

function pick(a: { conformance: string; canonical: string | null; owner: string | null; sensitivity: string | null }) {
  return { conformance: a.conformance, canonical: a.canonical, owner: a.owner, sensitivity: a.sensitivity };
}

test('event and link attributes are counted in their place; an org field on an event is business context', () => {
  const tap = new InventoryTap(exampleRegistry());
  const withEvent = span('GET /a', { 'http.route': '/a' }, { events: [{ timeUnixNano: 1n, name: 'cart.loaded', attributes: { 'acme.cart.id': 'c-1' } }] });
  const withLink = span('GET /a', { 'http.route': '/a' }, { links: [{ traceId: '1'.repeat(32), spanId: '2'.repeat(16), attributes: { 'link.reason': 'retry' } }] });
  const plain = span('GET /a', { 'http.route': '/a' });
  const delta = tap.record(decodeTraces(traces('svc', [withEvent, withLink, plain])));
  const g = delta.groups.find((x) => x.name === 'GET /a')!;
  assert.deepEqual({ events: g.events, narrow: g.narrow }, { events: 3, narrow: 2 });
  assert.deepEqual(g.attributes.filter((a) => a.place !== 'span').map((a) => [a.place, a.key, a.count]).sort(), [['event', 'acme.cart.id', 1], ['link', 'link.reason', 1]]);
});

test('a tap that throws never costs the batch: processed without result.inventory, and the next batch is counted', () => {
  const config = parseConfig('receivers: { otlp: { http: { endpoint: 127.0.0.1:0 } } }\nauth: { anonymous: true }\ndestinations: { d: { exporter: { debug: {} } } }\ninventory: { enabled: true, max_share: 1 }\n', 'on.yaml');
  const processor = new BatchProcessor(config);
  const [body] = stream();
  const original = InventoryTap.prototype.record;
  InventoryTap.prototype.record = () => { throw new Error('tap bug'); };
  try {
    const r = processor.process({ signal: 'traces', format: 'protobuf', body: body!, tenant: 'anonymous' });
    assert.ok(r.ok && r.outputs.length === 1 && r.inventory === undefined);
  } finally {
    InventoryTap.prototype.record = original;
  }
  const again = processor.process({ signal: 'traces', format: 'protobuf', body: body!, tenant: 'anonymous' });
  assert.ok(again.ok && again.inventory && again.inventory.groups.length > 0);
});

test('groups live on between batches, but each delta holds only its own batch', () => {
  const tap = new InventoryTap(exampleRegistry());
  const [cart, checkout] = stream();
  const first = JSON.stringify(tap.record(decodeTraces(cart!)));
  tap.record(decodeTraces(checkout!));
  assert.equal(JSON.stringify(tap.record(decodeTraces(cart!))), first, 'the same batch again: the same delta');
  assert.equal(JSON.stringify(tap.record(decodeTraces(cart!))), first);
});

test('groups live on per signal: a logs batch after a traces batch counts its resource and scope under logs', () => {
  const tap = new InventoryTap(exampleRegistry());
  tap.record(decodeTraces(traces('checkout', [span('GET /cart', { 'http.route': '/cart' })])));
  const logs = jsonToProtobuf('logs', JSON.stringify({ resourceLogs: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
    scopeLogs: [{ scope: { name: '@opentelemetry/instrumentation-http' }, logRecords: [{ body: { stringValue: 'hi' }, attributes: [{ key: 'log.level', value: { stringValue: 'info' } }] }] }],
  }] }));
  const delta = tap.record(decodeLogs(logs));
  assert.deepEqual(delta.groups.map((g) => `${g.signal} ${g.name}`).sort(), ['logs (resource)', 'logs (scope) @opentelemetry/instrumentation-http', 'logs @opentelemetry/instrumentation-http']);
});

test('a span kind past the enum is unspecified, and never passes for another kind', () => {
  const tap = new InventoryTap(exampleRegistry());
  // 2^32 + 2 has the low 32 bits of SERVER (2).
  const delta = tap.record(decodeTraces(traces('svc', [span('GET /a', {}, { kind: 2 ** 32 + 2 }), span('GET /a', {}, { kind: 2 }), span('GET /a', {}, { kind: 2 })])));
  const spans = delta.groups.filter((g) => g.name === 'GET /a').map((g) => `${g.kind} ${g.events}`).sort();
  assert.deepEqual(spans, ['server 2', 'unspecified 1']);
});

test('span names and routes carrying personal data are stored as what the detectors found', () => {
  const tap = new InventoryTap(exampleRegistry());
  const delta = tap.record(decodeTraces(traces('svc', [span('GET /users/jane@example.com', { 'http.route': '/users/jane@example.com' })])));
  const text = JSON.stringify(delta, (k, v: unknown) => (k === 'sketch' ? undefined : v));
  assert.ok(!text.includes('jane'), text);
  assert.ok(delta.groups.some((g) => g.name === '(span name with email)'));
  assert.deepEqual(delta.routes.map((r) => r.route), ['(route with email)']);
});
