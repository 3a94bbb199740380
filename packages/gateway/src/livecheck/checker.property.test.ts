import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTraces, OtlpDecodeError, type AttributeValue } from '@cairn/otlp';
import { LiveChecker } from './checker.js';
import { renderReport } from './report.js';
import { exampleRegistry } from './test-support.js';

const RUNS = process.env.CI ? 50 : 200;

// Any value the wire can carry: big and negative integers, NaN and infinities, bytes, nested lists and maps.
const value: fc.Arbitrary<AttributeValue> = fc.letrec<{ v: AttributeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string(), fc.boolean(), fc.integer(), fc.double(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.uint8Array({ maxLength: 8 }), fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.array(fc.tuple(fc.string({ maxLength: 6 }), tie('v')), { maxLength: 3 }).map((entries) => new Map(entries)),
  ),
})).v;

// Keys near the registry (known, aliases, deprecated, templates, enums) and anything at all.
const key = fc.oneof(
  fc.constantFrom('acme.cart.total', 'acme.order.currency', 'cartTotal', 'acme.cart.value', 'http.request.header.x', 'user.id', 'http.method', 'acme.cart.id.x', ''),
  fc.string({ maxLength: 24 }),
);

test('property: any attributes the wire can carry are checked without throwing, each counted once', () => {
  fc.assert(
    fc.property(fc.array(fc.dictionary(key, value, { maxKeys: 6 }), { minLength: 1, maxLength: 4 }), (spans) => {
      const checker = new LiveChecker(exampleRegistry());
      checker.ingest('traces', buildTraces([{ scopeSpans: [{ spans: spans.map((attributes, i) => ({ traceId: '5b8efff798038103d269b633813fc60c', spanId: (i + 1).toString(16).padStart(16, '0'), name: 's', startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes })) }] }]));
      const report = checker.report();
      const stats = report.statistics as { total_entities_by_type: Record<string, number> };
      assert.equal(stats.total_entities_by_type.attribute ?? 0, spans.reduce((n, s) => n + Object.keys(s).length, 0));
      for (const format of ['ansi', 'json', 'md'] as const) assert.ok(renderReport(report, format).length > 0);
      JSON.parse(renderReport(report, 'json'));
    }),
    { numRuns: RUNS },
  );
});

test('property: arbitrary bytes as any signal are checked or refused with OtlpDecodeError, never another error', () => {
  const checker = new LiveChecker(exampleRegistry());
  const valid = buildTraces([{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 's', startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: { a: 1 } }] }] }]);
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
    const copy = valid.slice();
    copy[at] = b;
    return copy;
  }));
  fc.assert(
    fc.property(fc.constantFrom('traces', 'metrics', 'logs') as fc.Arbitrary<'traces' | 'metrics' | 'logs'>, bytes, (signal, input) => {
      try {
        checker.ingest(signal, input);
      } catch (error) {
        assert.ok(error instanceof OtlpDecodeError, String(error));
      }
    }),
    { numRuns: RUNS * 5 },
  );
});
