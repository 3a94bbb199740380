// A team's token must not be able to send data that the backends file under another team's
// service. Each request here was crafted so that Cairn's old reader and a standard protobuf or
// JSON parser would see different service names; each is now refused whole, over HTTP and gRPC.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { tokenDigest } from '../auth/tokens.js';
import { anyValue, keyValue, repeatedResource, resource, tracesWithResources } from '../testing/crafted.js';
import { grpcExport, post, span, traces } from './client.js';
import { startHarness, type Harness } from './harness.js';

const AUTH = `auth:
  tenants:
    team-checkout: { token_sha256: [${tokenDigest('checkout-secret')}], services: [checkout, cart-*] }
    team-payments: { token_sha256: [${tokenDigest('payments-secret')}], services: [payments] }`;

const bearer = { authorization: 'Bearer checkout-secret' };

describe('tenant isolation: requests that parsers would read differently are refused whole', () => {
  let h: Harness;
  const sent: string[] = [];
  before(async () => {
    h = await startHarness({ auth: AUTH });
  });
  after(async () => {
    await h.close();
  });

  it('a ResourceSpans with two Resources (payments, then checkout) is 400 over HTTP, not 200', async () => {
    const s = span('repeated-resource-http');
    sent.push(s.spanIdHex);
    const res = await post(`${h.http}/v1/traces`, repeatedResource('payments', 'checkout', [s]), bearer);
    assert.equal(res.status, 400);
    assert.match(res.body.toString('latin1'), /OTLP_DUPLICATE_FIELD at byte \d+/);
    assert.equal(h.gateway.queue.depth('backend').batches, 0);
  });

  it('the same request is INVALID_ARGUMENT over gRPC', async () => {
    const s = span('repeated-resource-grpc');
    sent.push(s.spanIdHex);
    const result = await grpcExport(h.grpc, repeatedResource('payments', 'checkout', [s]), 'checkout-secret');
    assert.equal(result.code, status.INVALID_ARGUMENT);
    assert.match(result.details, /OTLP_DUPLICATE_FIELD/);
  });

  it('two service.name keys in one Resource are 400 over HTTP and INVALID_ARGUMENT over gRPC', async () => {
    const s = span('two-names');
    sent.push(s.spanIdHex);
    const body = tracesWithResources([resource(keyValue('service.name', anyValue.string('checkout')), keyValue('service.name', anyValue.string('payments')))], [s]);
    const res = await post(`${h.http}/v1/traces`, body, bearer);
    assert.equal(res.status, 400);
    assert.match(res.body.toString('latin1'), /OTLP_DUPLICATE_ATTRIBUTE_KEY at byte \d+/);
    assert.equal((await grpcExport(h.grpc, body, 'checkout-secret')).code, status.INVALID_ARGUMENT);
  });

  it('an array service.name ["cart-x","payments"] is 400, never read as "cart-x,payments"', async () => {
    const s = span('array-name');
    sent.push(s.spanIdHex);
    const body = tracesWithResources([resource(keyValue('service.name', anyValue.array(anyValue.string('cart-x'), anyValue.string('payments'))))], [s]);
    const res = await post(`${h.http}/v1/traces`, body, bearer);
    assert.equal(res.status, 400);
    assert.match(res.body.toString('latin1'), /OTLP_SERVICE_NAME_NOT_STRING at byte \d+/);
  });

  it('OTLP/JSON with two "resource" keys is 400 with a JSON status', async () => {
    const name = (service: string): string => `{"attributes":[{"key":"service.name","value":{"stringValue":"${service}"}}]}`;
    const s = span('json-two-resources');
    sent.push(s.spanIdHex);
    const json = `{"resourceSpans":[{"resource":${name('payments')},"resource":${name('checkout')},"scopeSpans":[{"spans":[{"traceId":"${Buffer.from(s.traceId as Uint8Array).toString('hex')}","spanId":"${s.spanIdHex}","name":"x"}]}]}]}`;
    const res = await post(`${h.http}/v1/traces`, json, { ...bearer, 'content-type': 'application/json' });
    assert.equal(res.status, 400);
    const status = JSON.parse(res.body.toString()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /OTLP_DUPLICATE_FIELD/);
  });

  it('nothing of the refused requests reached the backend', async () => {
    const later = span('later');
    assert.equal((await post(`${h.http}/v1/traces`, traces('checkout', [later]), bearer)).status, 200);
    await h.sink.waitFor((s) => s.spanIds.includes(later.spanIdHex), 10_000);
    for (const id of sent) assert.ok(!h.sink.spanIds.includes(id), `span ${id} of a refused request reached the sink`);
  });
});
