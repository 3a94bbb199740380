// The stored sketch bytes are a format read back from disk: any bytes either read as a sketch or
// are refused with a RangeError; sketches round-trip, and merging is order-free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergeableSketch, sketchCode } from '../livecheck/hll.js';

const RUNS = process.env.CI ? 100 : 500;
const codes = fc.array(fc.integer({ min: 0, max: 0xffffffff }).map((h) => sketchCode(h >>> 0)), { maxLength: 5000 });

function sketchOf(xs: number[]): MergeableSketch {
  const s = new MergeableSketch();
  for (const c of xs) s.addCode(c);
  return s;
}

test('any bytes: a sketch or a RangeError, never another error', () => {
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 16385, maxLength: 16385 }), codes.map((xs) => sketchOf(xs).toBytes())), (bytes) => {
    try {
      return Number.isFinite(MergeableSketch.fromBytes(bytes).estimate());
    } catch (error) {
      return error instanceof RangeError;
    }
  }), { numRuns: RUNS });
});

test('round trip and order-free merge', () => {
  fc.assert(fc.property(codes, codes, (a, b) => {
    const sa = sketchOf(a);
    assert.equal(MergeableSketch.fromBytes(sa.toBytes()).estimate(), sa.estimate());
    const ab = sketchOf(a);
    ab.merge(sketchOf(b));
    const ba = sketchOf(b);
    ba.merge(sketchOf(a));
    assert.equal(ab.estimate(), ba.estimate());
    assert.equal(ab.estimate(), sketchOf([...a, ...b]).estimate());
  }), { numRuns: RUNS });
});
