// The pre-decode count must agree with the codec wherever the codec accepts a request: it is what
// the in-flight budget charges for the index and what max_items_per_request refuses on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildTraces, decodeMetrics, decodeTraces, jsonToProtobuf, OtlpDecodeError, type BatchView } from '@cairn/otlp';
import { byteMutations, mutateBytes } from '@cairn/otlp/testing';
import { countEntries, entriesOf, type EntryCounts } from './items.js';

const RUNS = process.env.CI === 'true' ? 200 : 1500;

const tracesArb = fc.array(fc.array(fc.nat({ max: 6 }), { maxLength: 4 }), { maxLength: 4 }).map((resources) =>
  buildTraces(resources.map((scopes, r) => ({
    resource: { attributes: { 'service.name': `svc-${r}` } },
    scopeSpans: scopes.map((n) => ({
      scope: { name: 'lib' },
      spans: Array.from({ length: n }, (_, i) => ({ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(i + 1), name: `op-${i}`, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: { k: i } })),
    })),
  }))),
);

const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
const metricsArb = fc.array(fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.nat({ max: 5 })), { maxLength: 4 }), { minLength: 1, maxLength: 3 }).map((scopes) => {
  const point = { timeUnixNano: '1', attributes: [{ key: 'k', value: { stringValue: 'v' } }] };
  const json = {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeMetrics: scopes.map((metrics) => ({
        scope: { name: 'lib' },
        metrics: metrics.map(([kind, n], i) => ({ name: `m${i}`, [kind]: { dataPoints: Array.from({ length: n }, () => ({ ...point })) } })),
      })),
    }],
  };
  return jsonToProtobuf('metrics', new TextEncoder().encode(JSON.stringify(json)));
});

const mutation = byteMutations(fc, { spliceMaxLength: 8, overlong: false });

function viewCounts(view: BatchView): EntryCounts {
  return { resources: view.resourceCount, scopes: view.scopeCount, records: view.countAt(2), points: view.countAt(3) };
}

/** When the codec accepts `bytes`, the scan saw exactly its entries; the scan never throws. */
function agrees(signal: 'traces' | 'metrics', bytes: Uint8Array): void {
  const { counts, overflow } = countEntries(signal, bytes, Infinity);
  assert.equal(overflow, undefined);
  let view: BatchView;
  try {
    view = signal === 'traces' ? decodeTraces(bytes) : decodeMetrics(bytes);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return;
    throw error;
  }
  assert.deepEqual(counts, viewCounts(view));
}

describe('pre-decode entry count', () => {
  it('equals the codec index for generated and mutated trace requests', () => {
    fc.assert(fc.property(tracesArb, fc.array(mutation, { maxLength: 3 }), (base, ms) => agrees('traces', mutateBytes(base, ms))), { numRuns: RUNS });
  });

  it('equals the codec index for generated and mutated metric requests (data points of all five kinds)', () => {
    fc.assert(fc.property(metricsArb, fc.array(mutation, { maxLength: 3 }), (base, ms) => agrees('metrics', mutateBytes(base, ms))), { numRuns: RUNS });
  });

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => void countEntries('logs', bytes, 10)), { numRuns: RUNS });
  });

  it('stops at the first level past the limit and names it', () => {
    const spans = buildTraces([{ resource: { attributes: {} }, scopeSpans: [{ scope: { name: 'x' }, spans: Array.from({ length: 11 }, () => ({ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(1), name: 'op', startTimeUnixNano: 1n, endTimeUnixNano: 2n })) }] }]);
    assert.equal(countEntries('traces', spans, 10).overflow, 'records');
    assert.equal(countEntries('traces', spans, 11).overflow, undefined);
    assert.equal(entriesOf(countEntries('traces', spans, 11).counts), 13);
    // A million empty ResourceSpans (`0x0a 0x00`): no spans, but a million index entries.
    const empties = new Uint8Array(2_000_000);
    for (let i = 0; i < empties.length; i += 2) empties[i] = 0x0a;
    assert.equal(countEntries('traces', empties, 100_000).overflow, 'resources');
  });
});
