import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttributeCursor, buildTraces, decodeTraces } from '@cairn/otlp';
import { formatThreshold, readOtSampling, thresholdForRate } from '../../cel/index.js';
import { weightStamper } from './stamp.js';

function body(spans: { sampleRate?: number; traceState?: string }[]): Uint8Array {
  return buildTraces([{ resource: { attributes: { 'service.name': 's' } }, scopeSpans: [{ scope: { name: 't' }, spans: spans.map((s, i) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `00f067aa0ba902b${i}`, name: 'op', startTimeUnixNano: 1n, endTimeUnixNano: 2n,
    ...(s.traceState ? { traceState: s.traceState } : {}), attributes: s.sampleRate ? { SampleRate: s.sampleRate, other: 'x' } : { other: 'x' },
  })) }] }]);
}

function weights(bytes: Uint8Array): { sampleRate: number | undefined; th: string | undefined; traceState: string }[] {
  const view = decodeTraces(bytes);
  const c = view.spans();
  const a = new AttributeCursor();
  const out = [];
  while (c.next()) {
    let sampleRate: number | undefined;
    c.attributes(a);
    while (a.next()) if (a.keyIs('SampleRate')) sampleRate = a.numberValue;
    const th = readOtSampling(c.traceState).th;
    out.push({ sampleRate, th: th && formatThreshold(th), traceState: c.traceState });
  }
  return out;
}

describe('tail: weights of kept spans', () => {
  it('writes SampleRate and ot=th, combined with what came from upstream', () => {
    const th10 = formatThreshold(thresholdForRate(10));
    const th4 = formatThreshold(thresholdForRate(4));
    const out = weights(weightStamper.stamp(body([{}, { sampleRate: 4 }, { sampleRate: 4, traceState: `ot=th:${th4},vendor=1` }]), 10));
    // No upstream: 10. A non-consistent upstream 1-in-4: 40, th of 10. A consistent upstream 1-in-4
    // (th and SampleRate agree): the larger threshold wins, and the weight is 10, not 40.
    assert.deepEqual(out.map((w) => [w.sampleRate, w.th]), [[10, th10], [40, th10], [10, th10]]);
    assert.match(out[2]!.traceState, /vendor=1/);
  });

  it('rate 1 leaves the request as it is', () => {
    const b = body([{ sampleRate: 4 }]);
    assert.equal(weightStamper.stamp(b, 1), b);
  });
});
