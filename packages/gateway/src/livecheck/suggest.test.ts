import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadRegistry } from '@cairn/conventions';
import { EXAMPLE_REGISTRY } from './test-support.js';
import { editDistance, normalizeKey, Suggester } from './suggest.js';

/**
 * Keys as teams really write them (camelCase, snake_case, no namespace, typos, plurals), each with
 * the registry key it meant, against the example registry on the installed upstream. `null`: a
 * key that means nothing in the registry, where the only right answer is no suggestion.
 */
const CASES: [string, string | null][] = [
  // the org's own keys (examples/conventions)
  ['cartTotals', 'acme.cart.total'], ['CartTotal', 'acme.cart.total'], ['cart-total', 'acme.cart.total'], ['cart.total', 'acme.cart.total'],
  ['acme_cart_total', 'acme.cart.total'], ['acme.cart.totl', 'acme.cart.total'], ['acme.cartTotal', 'acme.cart.total'], ['acme.cart.ttoal', 'acme.cart.total'],
  ['cart_ids', 'acme.cart.id'], ['CartID', 'acme.cart.id'], ['acme.cart.itemCount', 'acme.cart.item_count'], ['item_counts', 'acme.cart.item_count'],
  ['orderID', 'acme.order.id'], ['order-id', 'acme.order.id'], ['acme.order.curency', 'acme.order.currency'], ['orderCurrency', 'acme.order.currency'],
  ['acme.order.shippingCountry', 'acme.order.shipping_country'], ['shipping_country', 'acme.order.shipping_country'], ['couponCode', 'acme.order.coupon_code'],
  ['order.coupon_code', 'acme.order.coupon_code'], ['paymentMethods', 'acme.payment.method'], ['payment.methd', 'acme.payment.method'],
  ['PaymentProvider', 'acme.payment.provider'], ['payment_outcome', 'acme.payment.outcome'], ['acme.payment.card.last_4', 'acme.payment.card.last4'],
  ['tenantID', 'acme.tenant.id'], ['tenant.plan', 'acme.tenant.plan'], ['tenantPlan', 'acme.tenant.plan'], ['acme.tenant.plna', 'acme.tenant.plan'],
  ['userSegment', 'acme.user.segment'], ['acme.users.segment', 'acme.user.segment'],
  // upstream OpenTelemetry keys
  ['userID', 'user.id'], ['user-id', 'user.id'], ['UserEmail', 'user.email'], ['user_emails', 'user.email'],
  ['http_method', 'http.request.method'], ['httpRequestMethod', 'http.request.method'], ['http.request.methd', 'http.request.method'],
  ['http.response.statusCode', 'http.response.status_code'], ['http_status_code', 'http.response.status_code'], ['httpRoute', 'http.route'], ['http.rout', 'http.route'],
  ['url.ful', 'url.full'], ['urlPath', 'url.path'], ['url_scheme', 'url.scheme'], ['serverAddress', 'server.address'], ['server.adress', 'server.address'],
  ['serverPort', 'server.port'], ['client_address', 'client.address'], ['networkPeerAddress', 'network.peer.address'],
  ['db.statment', 'db.query.text'], ['dbSystem', 'db.system.name'], ['db.query.txt', 'db.query.text'], ['exception.mesage', 'exception.message'],
  ['exceptionType', 'exception.type'], ['exception.stack_trace', 'exception.stacktrace'], ['service_name', 'service.name'], ['serviceVersion', 'service.version'],
  ['service.namespce', 'service.namespace'], ['deployment.environment.nam', 'deployment.environment.name'], ['k8sPodName', 'k8s.pod.name'],
  ['messaging.operationName', 'messaging.operation.name'], ['rpc.methd', 'rpc.method'], ['error_type', 'error.type'], ['errorType', 'error.type'],
  ['codeFunctionName', 'code.function.name'], ['thread_id', 'thread.id'], ['processPid', 'process.pid'], ['host_name', 'host.name'], ['os_type', 'os.type'],
  // nothing in the registry means these
  ['foo', null], ['x', null], ['requestBodyHash', null], ['widget.color', null], ['debug', null], ['retries', null],
  ['acme.loyalty.points', null], ['my.custom.flag', null], ['featureFlag', null], ['ts', null], ['build_sha', null], ['queue.depth.max', null],
];

test('normalization: camelCase, snake_case, kebab-case and acronyms become dotted lowercase words', () => {
  assert.equal(normalizeKey('userId'), 'user.id');
  assert.equal(normalizeKey('user_id'), 'user.id');
  assert.equal(normalizeKey('User-ID'), 'user.id');
  assert.equal(normalizeKey('HTTPStatusCode'), 'http.status.code');
  assert.equal(normalizeKey('k8sPodName'), 'k8s.pod.name');
  assert.equal(normalizeKey('..a__b..'), 'a.b');
});

test('edit distance counts an adjacent swap as one edit and stops past the limit', () => {
  assert.equal(editDistance('total', 'ttoal', 3), 1);
  assert.equal(editDistance('kitten', 'sitting', 3), 3);
  assert.equal(editDistance('abc', 'xyzxyz', 2), 3);
});

test(`suggestions for ${CASES.length} real-world variants: precision at least 0.9`, () => {
  const loaded = loadRegistry(EXAMPLE_REGISTRY);
  assert.equal(loaded.unusable, false);
  const suggester = new Suggester(loaded.registry);
  let made = 0;
  let correct = 0;
  let expectedSome = 0;
  let found = 0;
  const wrong: string[] = [];
  const missed: string[] = [];
  for (const [input, expected] of CASES) {
    const s = suggester.suggest(input);
    if (expected !== null) expectedSome++;
    if (s === undefined) {
      if (expected !== null) missed.push(`${input} → (none), wanted ${expected}`);
      continue;
    }
    made++;
    if (s.key === expected) {
      correct++;
      found++;
    } else wrong.push(`${input} → ${s.key}, wanted ${expected ?? 'none'}`);
  }
  const precision = correct / made;
  const recall = found / expectedSome;
  console.log(`suggestions: ${CASES.length} cases, ${made} suggested, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
  if (wrong.length) console.log(`wrong: ${wrong.join('; ')}`);
  if (missed.length) console.log(`missed: ${missed.join('; ')}`);
  assert.ok(CASES.length >= 60);
  assert.ok(precision >= 0.9, `precision ${precision} (wrong: ${wrong.join('; ')})`);
  assert.ok(recall >= 0.85, `recall ${recall} (missed: ${missed.join('; ')})`);
});

test('the issue\'s examples: userId → user.id, cartTotal → acme.cart.total (by normalization)', () => {
  const loaded = loadRegistry(EXAMPLE_REGISTRY);
  const suggester = new Suggester(loaded.registry);
  assert.deepEqual(suggester.suggest('userId'), { key: 'user.id', kind: 'normalized', distance: 0 });
  assert.deepEqual(suggester.suggest('cartTotal'), { key: 'acme.cart.total', kind: 'normalized', distance: 0 });
  assert.equal(suggester.suggest('user.id'), undefined, 'a registry key needs no suggestion');
});

test('property: normalization is idempotent and yields dotted lowercase words; edit distance is a bounded metric', () => {
  const runs = process.env.CI ? 200 : 1000;
  fc.assert(fc.property(fc.string(), (key) => {
    const n = normalizeKey(key);
    assert.match(n, /^(?:[a-z0-9]+(?:\.[a-z0-9]+)*)?$/);
    assert.equal(normalizeKey(n), n);
  }), { numRuns: runs });
  fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 4 }), (a, b, max) => {
    const d = editDistance(a, b, max);
    assert.ok(d >= 0 && d <= max + 1);
    assert.equal(d, editDistance(b, a, max));
    assert.equal(d === 0, a === b);
    assert.ok(editDistance(a, b, 24) <= Math.max(a.length, b.length));
  }), { numRuns: runs });
});
