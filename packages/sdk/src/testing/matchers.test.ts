import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { addUnchecked, unitOfWork } from '../index.js';
import { exampleRegistry } from '../test-support.js';
import { expectSpan, setupTestTelemetry } from './index.js';

const telemetry = setupTestTelemetry({ conventions: exampleRegistry() });
after(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

describe('span matchers', () => {
  it('toHaveFields passes on equal values and fails on a different one', () => {
    unitOfWork('checkout', () => addUnchecked({ 'acme.cart.total': 12.5, 'acme.order.currency': 'EUR' }));
    expectSpan('checkout').toHaveFields({ 'acme.cart.total': 12.5 });
    assert.throws(() => expectSpan('checkout').toHaveFields({ 'acme.cart.total': 13 }), /fields differ/);
    assert.throws(() => expectSpan('checkout').toHaveFields({ 'acme.order.id': 'o-1' }), /fields differ/);
  });

  it('names the spans that did finish when the expected one did not', () => {
    unitOfWork('checkout', () => undefined);
    assert.throws(() => expectSpan('payment'), /no finished span named "payment"; finished spans: "checkout"/);
  });

  it('toConform passes when every field conforms to the registry', () => {
    unitOfWork('checkout', () => addUnchecked({ 'acme.cart.total': 12.5, 'acme.tenant.plan': 'pro', 'http.request.header.x-id': ['1'] }));
    expectSpan('checkout').toConform();
  });

  it('toConform fails on unknown, alias, deprecated and wrongly typed fields, listing each', () => {
    unitOfWork('checkout', () => addUnchecked({ cart_size: 1, tenantId: 't', 'acme.cart.value': 2, 'acme.cart.item_count': 1.5 }));
    assert.throws(() => expectSpan('checkout').toConform(), (error: Error) => {
      assert.match(error.message, /"cart_size" is not in the registry/);
      assert.match(error.message, /"tenantId" is an alias; use "acme.tenant.id"/);
      assert.match(error.message, /"acme.cart.value" is deprecated; use "acme.cart.total"/);
      assert.match(error.message, /"acme.cart.item_count" expects int/);
      return true;
    });
  });

  it('toConform checks an instance of a template attribute against the template\'s type', () => {
    unitOfWork('checkout', () => addUnchecked({ 'http.request.header.x-id': 'one' }));
    assert.throws(() => expectSpan('checkout').toConform(), /"http.request.header.x-id" expects string\[\], got string "one"/);
  });
});
