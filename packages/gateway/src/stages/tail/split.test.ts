import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AttributeCursor, decodeTraces } from '@cairn/otlp';
import { splitByTrace } from './split.js';
import { request, spanNumbers, traceIdOf, type TestSpan } from './test-support.js';

function parts(spans: TestSpan[]) {
  const split = splitByTrace(decodeTraces(request(spans)));
  const out: { trace: string; spans: number[]; services: string[]; declared: number }[] = [];
  let start = 0;
  split.ends.forEach((end, t) => {
    const view = decodeTraces(split.body.subarray(start, end));
    const services: string[] = [];
    for (let r = 0; r < view.resourceCount; r++) services.push(view.serviceName(r));
    out.push({ trace: Buffer.from(split.traceIds.subarray(t * 16, t * 16 + 16)).toString('hex'), spans: spanNumbers(view), services, declared: split.spans[t]! });
    start = end;
  });
  return { out, split };
}

describe('tail: splitByTrace', () => {
  it('gives each trace one complete request with its spans in wire order, headers copied', () => {
    const { out } = parts([
      { trace: 1, span: 1 }, { trace: 2, span: 2 }, { trace: 1, span: 3, service: 'cart' }, { trace: 2, span: 4, service: 'cart' }, { trace: 1, span: 5 },
    ]);
    assert.deepEqual(out.map((p) => [p.trace, p.spans, p.services, p.declared]), [
      [traceIdOf(1), [1, 5, 3], ['checkout', 'cart'], 3],
      [traceIdOf(2), [2, 4], ['checkout', 'cart'], 2],
    ]);
  });

  it('keeps span bytes and resource attributes exactly (property: any mix of traces and services)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ trace: fc.integer({ min: 1, max: 6 }), service: fc.constantFrom('a', 'b', 'c'), error: fc.boolean() }), { minLength: 1, maxLength: 40 }),
      (raw) => {
        const spans = raw.map((s, i) => ({ ...s, span: i }));
        const { out, split } = parts(spans);
        // Every span is in exactly one part, the part of its trace.
        const seen = out.flatMap((p) => p.spans).sort((a, b) => a - b);
        assert.deepEqual(seen, spans.map((s) => s.span));
        for (const p of out) for (const n of p.spans) assert.equal(traceIdOf(spans[n]!.trace), p.trace);
        // The concatenation is one valid request with every span and its attributes.
        const all = decodeTraces(split.body);
        assert.equal(all.spanCount, spans.length);
        const c = all.spans();
        const a = new AttributeCursor();
        while (c.next()) {
          c.attributes(a);
          let n = -1;
          while (a.next()) if (a.keyIs('test.span')) n = a.numberValue!;
          assert.equal(parseInt(c.spanIdHex, 16) - 1, n);
          assert.equal(all.serviceName(c.resourceIndex), spans[n]!.service);
          assert.equal(c.statusCode === 2, spans[n]!.error);
        }
      },
    ), { numRuns: process.env.CI ? 50 : 300 });
  });
});
