import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compilePatterns, TokenAuthenticator, tokenDigest } from './tokens.js';

const checkout = { name: 'team-checkout', tokenDigests: [Buffer.from(tokenDigest('tok-checkout'), 'hex')], services: ['checkout', 'cart-*'] };
const payments = { name: 'team-payments', tokenDigests: [Buffer.from(tokenDigest('tok-payments'), 'hex'), Buffer.from(tokenDigest('tok-payments-2'), 'hex')], services: ['payment'] };

describe('team tokens', () => {
  const auth = new TokenAuthenticator({ header: 'authorization', tenants: [checkout, payments] });

  it('maps a bearer token to its team, and the team to the services it owns', () => {
    const result = auth.authenticate('Bearer tok-checkout');
    assert.ok(result.ok);
    assert.equal(result.tenant.name, 'team-checkout');
    assert.equal(result.tenant.owns('cart-api'), true);
    assert.equal(result.tenant.owns('checkout'), true);
    assert.equal(result.tenant.owns('payment'), false);
    assert.equal(result.tenant.owns('cart'), false);
  });

  it('accepts any of a team\'s tokens (rotation)', () => {
    const result = auth.authenticate('Bearer tok-payments-2');
    assert.ok(result.ok && result.tenant.name === 'team-payments');
  });

  it('refuses a missing, malformed or wrong token', () => {
    assert.deepEqual(auth.authenticate(undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(auth.authenticate('tok-checkout'), { ok: false, reason: 'malformed' });
    assert.deepEqual(auth.authenticate('Bearer tok-nope'), { ok: false, reason: 'invalid' });
  });

  it('reads the bare token from a custom header', () => {
    const custom = new TokenAuthenticator({ header: 'x-cairn-token', tenants: [checkout] });
    assert.ok(custom.authenticate('tok-checkout').ok);
  });

  it('lets anonymous data in only when the config says so, scoped to its services', () => {
    const open = new TokenAuthenticator({ header: 'authorization', tenants: [checkout], anonymous: { tenant: 'local', services: ['demo-*'] } });
    const result = open.authenticate(undefined);
    assert.ok(result.ok);
    assert.equal(result.tenant.name, 'local');
    assert.equal(result.tenant.owns('demo-shop'), true);
    assert.equal(result.tenant.owns('checkout'), false);
    // A wrong token is still refused: anonymity is for no token, not a bad one.
    assert.deepEqual(open.authenticate('Bearer wrong'), { ok: false, reason: 'invalid' });
  });

  it('refuses a malformed header outright, never falling back to the anonymous tenant', () => {
    const open = new TokenAuthenticator({ header: 'authorization', tenants: [checkout], anonymous: { tenant: 'local', services: ['*'] } });
    for (const value of ['', 'Bearer', 'Bearer ', 'Basic eHl6', 'Bearer  tok-checkout', 'Bearer tok-checkout ', ' Bearer tok-checkout', 'Bearer\ttok-checkout', 'Bearer t\u00f6k', 'Bearer tok checkout', 'tok-checkout']) {
      assert.deepEqual(open.authenticate(value), { ok: false, reason: 'malformed' }, JSON.stringify(value));
    }
    assert.ok(open.authenticate('bearer tok-checkout').ok, 'the scheme is case-insensitive (RFC 7235)');
    const custom = new TokenAuthenticator({ header: 'x-cairn-token', tenants: [checkout], anonymous: { tenant: 'local', services: ['*'] } });
    for (const value of ['', ' tok-checkout', 'tok checkout', 't\u00f6k']) assert.deepEqual(custom.authenticate(value), { ok: false, reason: 'malformed' }, JSON.stringify(value));
  });

  it('treats pattern characters other than * literally', () => {
    const owns = compilePatterns(['a.b', 'x+*']);
    assert.equal(owns('a.b'), true);
    assert.equal(owns('aXb'), false);
    assert.equal(owns('x+y'), true);
    assert.equal(owns('xxy'), false);
  });

  it('property: a present header is never the anonymous tenant; only `Bearer <token>` exactly is accepted', () => {
    const open = new TokenAuthenticator({ header: 'authorization', tenants: [checkout], anonymous: { tenant: 'local', services: ['*'] } });
    const around = fc.constantFrom('', ' ', '  ', '\t', 'x', '\u00e9', ',', 'Bearer ');
    const values = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(around, fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', 'Bearer', ''), around, fc.constantFrom('tok-checkout', 'tok'), around).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(values, (value) => {
      const result = open.authenticate(value);
      if (result.ok) {
        assert.notEqual(result.tenant.name, 'local', JSON.stringify(value));
        assert.match(value, /^bearer tok-checkout$/i);
      }
    }), { numRuns: process.env.CI === 'true' ? 300 : 2000 });
  });
});
