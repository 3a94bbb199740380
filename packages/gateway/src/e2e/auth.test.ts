import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { tokenDigest } from '../auth/tokens.js';
import { grpcExport, post, span, traces } from './client.js';
import { WAIT_MS, eventually, startHarness, type Harness } from './harness.js';

const AUTH = `auth:
  tenants:
    team-checkout: { token_sha256: [${tokenDigest('checkout-secret')}], services: [checkout, cart-*] }
    team-payments: { token_sha256: [${tokenDigest('payments-secret')}], services: [payment] }`;

describe('access control: team tokens scoped to their services', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ auth: AUTH });
  });
  after(async () => {
    await h.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses a request without a token with 401 and a Bearer challenge, when anonymous ingest is off', async () => {
    const res = await post(`${h.http}/v1/traces`, traces('checkout', [span()]));
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  it('refuses a wrong token with 401', async () => {
    const res = await post(`${h.http}/v1/traces`, traces('checkout', [span()]), bearer('guess'));
    assert.equal(res.status, 401);
  });

  it('refuses team A claiming team B\'s service with 403, and keeps nothing of the batch', async () => {
    const own = span('mine');
    const theirs = span('theirs');
    // One request mixing an owned and a foreign resource: all of it is refused.
    const { buildTraces } = await import('@cairn/otlp');
    const body = buildTraces([
      { resource: { attributes: { 'service.name': 'checkout' } }, scopeSpans: [{ spans: [own] }] },
      { resource: { attributes: { 'service.name': 'payment' } }, scopeSpans: [{ spans: [theirs] }] },
    ]);
    const res = await post(`${h.http}/v1/traces`, body, bearer('checkout-secret'));
    assert.equal(res.status, 403);
    assert.match(res.body.toString('latin1'), /may not send data for service\.name "payment"/);
    assert.equal(h.gateway.queue.depth('backend').batches, 0);
    // A request that goes through afterwards proves the refused one did not just lag behind.
    const later = span('later');
    assert.equal((await post(`${h.http}/v1/traces`, traces('cart-api', [later]), bearer('checkout-secret'))).status, 200);
    await h.sink.waitFor((s) => s.spanIds.includes(later.spanIdHex), WAIT_MS);
    assert.ok(!h.sink.spanIds.includes(own.spanIdHex));
    assert.ok(!h.sink.spanIds.includes(theirs.spanIdHex));
  });

  it('lets each team send for the services it owns, matching patterns', async () => {
    const a = span();
    const b = span();
    assert.equal((await post(`${h.http}/v1/traces`, traces('cart-web', [a]), bearer('checkout-secret'))).status, 200);
    assert.equal((await post(`${h.http}/v1/traces`, traces('payment', [b]), bearer('payments-secret'))).status, 200);
    await h.sink.waitFor((s) => s.spanIds.includes(a.spanIdHex) && s.spanIds.includes(b.spanIdHex), WAIT_MS);
  });

  it('answers UNAUTHENTICATED and PERMISSION_DENIED on gRPC', async () => {
    assert.equal((await grpcExport(h.grpc, traces('checkout', [span()]))).code, status.UNAUTHENTICATED);
    assert.equal((await grpcExport(h.grpc, traces('checkout', [span()]), 'nope')).code, status.UNAUTHENTICATED);
    const denied = await grpcExport(h.grpc, traces('payment', [span()]), 'checkout-secret');
    assert.equal(denied.code, status.PERMISSION_DENIED);
    const ok = span();
    assert.equal((await grpcExport(h.grpc, traces('checkout', [ok]), 'checkout-secret')).code, status.OK);
    await eventually(() => h.sink.spanIds.includes(ok.spanIdHex), WAIT_MS, 'gRPC span delivered');
  });
});
