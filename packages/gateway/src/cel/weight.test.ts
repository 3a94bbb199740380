import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adjustedCount, ALWAYS, combinedSampleRate, combineThresholds, formatThreshold, keeps, parseThreshold, readOtSampling,
  thresholdForRate, traceRandomness, upstreamWeight, writeThreshold,
} from './weight.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe('consistent-probability weight (ot=th)', () => {
  it('writes the thresholds of the OpenTelemetry spec examples', () => {
    assert.equal(formatThreshold(thresholdForRate(1)), '0');
    assert.equal(formatThreshold(thresholdForRate(2)), '8');
    assert.equal(formatThreshold(thresholdForRate(4)), 'c');
    assert.equal(formatThreshold(thresholdForRate(10)), 'e666');
    assert.equal(formatThreshold(thresholdForRate(100)), 'fd70a');
    assert.equal(formatThreshold(thresholdForRate(1000)), 'ffbe77');
  });

  it('reads 1 to 14 hex digits padded with trailing zeros, and refuses anything else', () => {
    assert.deepEqual(parseThreshold('8'), parseThreshold('80000000000000'));
    assert.equal(adjustedCount(parseThreshold('8')!), 2);
    assert.equal(adjustedCount(parseThreshold('c')!), 4);
    assert.equal(adjustedCount(parseThreshold('0')!), 1);
    for (const bad of ['', 'C', '0x8', '8 ', '123456789abcdef', '-1', 'g']) assert.equal(parseThreshold(bad), undefined, bad);
  });

  it('keeps a trace when its randomness (the last 7 bytes of the id) reaches the threshold', () => {
    const r = { hi: 0, lo: 0 };
    traceRandomness(hex('0af7651916cd43dd8448eb211c80319c'), r); // last 7 bytes 48eb211c80319c
    assert.equal(formatThreshold(r), '48eb211c80319c');
    assert.equal(keeps(r, parseThreshold('48eb211c80319c')!), true);
    assert.equal(keeps(r, parseThreshold('48eb211c80319d')!), false);
    assert.equal(keeps(r, parseThreshold('4')!), true);
    assert.equal(keeps(r, parseThreshold('8')!), false);
    assert.equal(keeps(r, ALWAYS), true);
  });

  it('combines two consistent samplers by the larger threshold', () => {
    assert.equal(formatThreshold(combineThresholds(parseThreshold('8')!, parseThreshold('c')!)), 'c');
    assert.equal(formatThreshold(combineThresholds(parseThreshold('e666')!, ALWAYS)), 'e666');
  });

  it('reads th and rv from a W3C tracestate and distrusts a malformed one', () => {
    const ot = readOtSampling('congo=t61rcWkgMzE, ot=th:c;rv:0123456789abcd;x:y');
    assert.equal(ot.valid, true);
    assert.equal(formatThreshold(ot.th!), 'c');
    assert.equal(formatThreshold(ot.rv!), '0123456789abcd');
    assert.equal(readOtSampling('ot=th:C').th, undefined, 'uppercase th is not a threshold');
    assert.equal(readOtSampling('ot=rv:0123').rv, undefined, 'rv is exactly 14 digits');
    assert.equal(readOtSampling('ot=th:8;th:c').th, undefined, 'a repeated sub-key voids ot');
    assert.equal(readOtSampling('ot=th:8,ot=th:c').valid, false, 'a repeated member voids the tracestate');
    assert.equal(readOtSampling('Ot=th:8').valid, false);
    assert.equal(readOtSampling(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')).valid, false);
    assert.equal(readOtSampling(`ot=th:8,${','.repeat(20_000)}`).valid, false, 'longer than 32 full members can be');
  });

  it('writes th into the ot member, moved first, keeping everything else', () => {
    assert.equal(writeThreshold('', thresholdForRate(4)), 'ot=th:c');
    assert.equal(writeThreshold('congo=t61rcWkgMzE,ot=rv:0123456789abcd;th:8', parseThreshold('c')), 'ot=th:c;rv:0123456789abcd,congo=t61rcWkgMzE');
    assert.equal(writeThreshold('not valid', parseThreshold('c')), 'ot=th:c', 'a malformed tracestate is not propagated');
    assert.equal(writeThreshold('ot=th:8,a=b', undefined), 'a=b');
  });

  it('reads the upstream weight from SampleRate and th, the larger when both are there', () => {
    assert.equal(upstreamWeight(undefined, ''), 1);
    assert.equal(upstreamWeight(10n, ''), 10);
    assert.equal(upstreamWeight(2.5, ''), 2.5);
    assert.equal(upstreamWeight('10', ''), 1, 'a string SampleRate is not a weight');
    assert.equal(upstreamWeight(0n, ''), 1);
    assert.equal(upstreamWeight(undefined, 'ot=th:c'), 4);
    assert.equal(upstreamWeight(8n, 'ot=th:c'), 8);
    assert.equal(upstreamWeight(2n, 'ot=th:c'), 4);
  });

  it('combines upstream rates: consistent thresholds by max, unexplained SampleRate by product', () => {
    // upstream th:8 (1 in 2), ours 1 in 4: combined th:c, weight 4 (not 8: the same randomness decided both).
    assert.equal(combinedSampleRate(2, parseThreshold('8'), combineThresholds(parseThreshold('8')!, thresholdForRate(4))), 4);
    // upstream SampleRate 5 with no th (a non-consistent sampler), ours 1 in 4: 20.
    assert.equal(combinedSampleRate(5, undefined, thresholdForRate(4)), 20);
    // upstream SampleRate 10 over th:8: 5 unexplained, times our combined 1 in 4: 20.
    assert.equal(combinedSampleRate(10, parseThreshold('8'), thresholdForRate(4)), 20);
    assert.equal(combinedSampleRate(1, undefined, ALWAYS), 1);
  });
});

describe('weights from hostile input', () => {
  it('a huge upstream SampleRate stays a finite, safe integer weight', async () => {
    const { combinedSampleRate, sampleRateWeight, thresholdForRate } = await import('./weight.js');
    for (const sr of [1e308, Number.MAX_VALUE, 2 ** 60, 1e20]) {
      const w = combinedSampleRate(sampleRateWeight(sr), undefined, thresholdForRate(1000));
      assert.ok(Number.isSafeInteger(w) && w >= 1, `${sr} -> ${w}`);
    }
  });
});
