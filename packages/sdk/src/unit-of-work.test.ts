import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { unitOfWork } from './index.js';
import { expectSpan, setupTestTelemetry } from './testing/index.js';

const telemetry = setupTestTelemetry();
after(() => telemetry.shutdown());
beforeEach(() => telemetry.reset());

describe('unitOfWork', () => {
  it('wraps sync work, returns its value and makes its span active', () => {
    const result = unitOfWork('sum', (span) => {
      assert.equal(trace.getActiveSpan(), span);
      return 1 + 2;
    }, { 'acme.cart.item_count': 2 });
    assert.equal(result, 3);
    expectSpan('sum').toHaveFields({ 'acme.cart.item_count': 2 });
    assert.equal(expectSpan('sum').span.status.code, SpanStatusCode.UNSET);
  });

  it('keeps the span open until async work settles', async () => {
    const pending = unitOfWork('slow', async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 'done';
    });
    assert.equal(telemetry.spans().length, 0);
    assert.equal(await pending, 'done');
    const span = expectSpan('slow').span;
    assert.ok(span.duration[0] * 1e3 + span.duration[1] / 1e6 >= 15);
  });

  it('records a thrown error as an exception with error status, and rethrows it', () => {
    assert.throws(() => unitOfWork('fails', () => {
      throw new TypeError('bad cart');
    }), /bad cart/);
    const span = expectSpan('fails').span;
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: 'bad cart' });
    assert.equal(span.events[0]?.name, 'exception');
    assert.equal(span.events[0]?.attributes?.['exception.type'], 'TypeError');
  });

  it('records a rejection the same way', async () => {
    await assert.rejects(unitOfWork('rejects', async () => {
      throw new Error('payment down');
    }), /payment down/);
    assert.equal(expectSpan('rejects').span.status.code, SpanStatusCode.ERROR);
  });

  it('adds a timing field in milliseconds when asked', async () => {
    await unitOfWork('timed', () => new Promise((r) => setTimeout(r, 25)), undefined, { timingField: 'acme.checkout.duration_ms' });
    const ms = expectSpan('timed').span.attributes['acme.checkout.duration_ms'];
    assert.equal(typeof ms, 'number');
    // Milliseconds: a 25 ms wait reads at least 20, and under 20,000 (it would be 25,000 or more in
    // microseconds) however late a loaded machine runs the timer.
    assert.ok((ms as number) >= 20 && (ms as number) < 20_000, String(ms));
  });
});
