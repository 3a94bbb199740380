import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { addFields, addUnchecked, unitOfWork } from './index.js';
import { CairnConfigError } from './policy.js';
import { expectSpan, setupTestTelemetry } from './testing/index.js';
import { exampleRegistry } from './test-support.js';

const KEY = 'test-hash-key';
const hmac = (value: unknown): string => createHmac('sha256', KEY).update(JSON.stringify(value)).digest('hex');

describe('at source', () => {
  const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), pii: 'hash', piiHashKey: KEY });
  after(() => telemetry.shutdown());

  it('drops secret fields before export', () => {
    unitOfWork('charge card', () => addFields({ 'acme.payment.card.token': 'tok_123', 'acme.payment.method': 'card' }));
    expectSpan('charge card').toHaveFields({ 'acme.payment.method': 'card' }).toNotHaveFields(['acme.payment.card.token']);
  });

  it('hashes pii fields with HMAC-SHA256 under the configured key', () => {
    unitOfWork('login', () => addFields({ 'user.id': 'u-17', 'user.email': 'ann@example.com' }));
    expectSpan('login').toHaveFields({ 'user.id': hmac('u-17'), 'user.email': hmac('ann@example.com') });
  });

  it('treats an alias like its canonical key: a pii alias is hashed too', () => {
    unitOfWork('legacy', () => addUnchecked({ userId: 'u-18', customerId: 'c-1' }));
    expectSpan('legacy').toHaveFields({ userId: hmac('u-18'), customerId: hmac('c-1') });
  });

  it('leaves public and internal fields as they are', () => {
    unitOfWork('cart', () => addFields({ 'acme.cart.total': 12.5, 'acme.cart.item_count': 3 }));
    expectSpan('cart').toHaveFields({ 'acme.cart.total': 12.5, 'acme.cart.item_count': 3 });
  });
});

describe('at-source configuration', () => {
  it('refuses pii hashing without a key, with a code that says what to set', () => {
    assert.throws(
      () => setupTestTelemetry({ conventions: exampleRegistry(), pii: 'hash' }),
      (error: unknown) => error instanceof CairnConfigError && error.code === 'CAIRN_PII_HASH_KEY_MISSING' && error.message.includes('CAIRN_PII_HASH_KEY'),
    );
  });

  it('drops pii when asked to, and still drops secrets by default', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), pii: 'drop' });
    try {
      unitOfWork('pay', () => addFields({ 'acme.payment.card.last4': '4242', 'acme.payment.card.token': 't', 'acme.payment.provider': 'psp' }));
      expectSpan('pay').toHaveFields({ 'acme.payment.provider': 'psp' }).toNotHaveFields(['acme.payment.card.last4', 'acme.payment.card.token']);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('keeps pii by default but never a secret', async () => {
    const telemetry = setupTestTelemetry({ conventions: exampleRegistry() });
    try {
      unitOfWork('pay', () => addFields({ 'acme.payment.card.last4': '4242', 'acme.payment.card.token': 't' }));
      expectSpan('pay').toHaveFields({ 'acme.payment.card.last4': '4242' }).toNotHaveFields(['acme.payment.card.token']);
    } finally {
      await telemetry.shutdown();
    }
  });
});
