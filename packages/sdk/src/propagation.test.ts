import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { context, propagation, trace, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import { addTraceFields, unitOfWork } from './index.js';
import { expectSpan, setupTestTelemetry } from './testing/index.js';
import { exampleRegistry } from './test-support.js';

// The config tries to send pii along; the pii rule must win over it.
const telemetry = setupTestTelemetry({ conventions: exampleRegistry(), propagate: ['user.id', 'acme.cart.item_count'] });
after(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

function outgoingBaggage(): Map<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier, defaultTextMapSetter);
  const header = carrier['baggage'] ?? '';
  return new Map(header.split(',').filter(Boolean).map((kv) => kv.split('=').map(decodeURIComponent) as [string, string]));
}

describe('trace fields across services (W3C baggage)', () => {
  it('sends only allowlisted keys, and never a pii key even when the config lists it', () => {
    const sent = unitOfWork('call downstream', () => {
      addTraceFields({ 'acme.tenant.id': 't-0042', 'acme.tenant.plan': 'pro', 'user.id': 'u-1', 'acme.user.segment': 'vip', 'acme.cart.item_count': 3 });
      return outgoingBaggage();
    });
    assert.deepEqual(Object.fromEntries(sent), { 'acme.tenant.id': 't-0042', 'acme.tenant.plan': 'pro', 'acme.cart.item_count': '3' });
  });

  it('strips pii and secret keys that the application put into baggage itself', () => {
    const bag = propagation.createBaggage({ 'user.email': { value: 'ann@example.com' }, 'acme.payment.card.token': { value: 'tok' }, 'session.kind': { value: 'web' } });
    const sent = context.with(propagation.setBaggage(context.active(), bag), () => unitOfWork('call', () => outgoingBaggage()));
    assert.deepEqual(Object.fromEntries(sent), { 'session.kind': 'web' });
  });

  it('turns allowlisted incoming baggage into trace fields of the local root and its children, typed', () => {
    const carrier = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      baggage: 'acme.tenant.id=t-9,acme.tenant.plan=enterprise,user.id=u-1,acme.user.segment=vip,acme.cart.item_count=4',
    };
    const incoming = propagation.extract(context.active(), carrier, defaultTextMapGetter);
    context.with(incoming, () => unitOfWork('handle request', () => trace.getTracer('t').startSpan('child').end()));
    for (const name of ['handle request', 'child']) {
      expectSpan(name).toHaveFields({ 'acme.tenant.id': 't-9', 'acme.tenant.plan': 'enterprise', 'acme.cart.item_count': 4 }).toNotHaveFields(['user.id', 'acme.user.segment']);
    }
    assert.equal(expectSpan('handle request').span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
  });
});
