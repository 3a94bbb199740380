// The batch sketch is what crosses from a processing thread to the aggregate: whatever codes a
// batch adds (a few, past the list limit, past the pool of dense registers), its bytes read back
// as the same sketch, start empty the next batch, and merge into the aggregate as fromBytes would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MergeableSketch, sketchCode } from '../livecheck/hll.js';
import { BatchSketch, mergeSketchBytes } from './batch-sketch.js';

const RUNS = process.env.CI ? 30 : 100;
const codes = (max: number) => fc.array(fc.integer({ min: 0, max: 0xffffffff }).map((h) => sketchCode(h >>> 0)), { maxLength: max });

function reference(xs: number[]): MergeableSketch {
  const s = new MergeableSketch();
  for (const c of xs) s.addCode(c);
  return s;
}

/** The batch's bytes, written at an offset of a larger buffer as the tap packs them. */
function finish(sketch: BatchSketch): Uint8Array {
  const n = sketch.byteLength();
  const out = new Uint8Array(n + 7);
  const bytes = sketch.finishInto(out, 5);
  assert.equal(bytes.length, n);
  assert.equal(bytes.buffer, out.buffer);
  return bytes;
}

for (const [what, created] of [['with dense registers to spare', 0], ['with the pool of dense registers used up', Infinity]] as const) {
  test(`a batch's bytes read back as the sketch of its codes, and the next batch starts empty (${what})`, () => {
    fc.assert(fc.property(codes(6000), codes(300), (a, b) => {
      const sketch = new BatchSketch({ free: [], created });
      for (const c of a) sketch.add(c);
      const first = MergeableSketch.fromBytes(finish(sketch));
      assert.deepEqual(first.toBytes(), reference(a).toBytes());
      for (const c of b) sketch.add(c);
      assert.deepEqual(MergeableSketch.fromBytes(finish(sketch)).toBytes(), reference(b).toBytes());
    }), { numRuns: RUNS });
  });
}

test('dense registers go back to the pool cleared, and a released sketch leaves nothing behind', () => {
  const pool = { free: [] as Uint8Array[], created: 0 };
  const sketch = new BatchSketch(pool);
  for (let i = 0; i < 5000; i++) sketch.add(sketchCode(Math.imul(i + 1, 0x9e3779b1) >>> 0));
  finish(sketch);
  assert.equal(pool.free.length, 1);
  assert.ok(pool.free[0]!.every((r) => r === 0));
  for (let i = 0; i < 5000; i++) sketch.add(sketchCode(Math.imul(i + 1, 0x85ebca6b) >>> 0));
  sketch.release();
  assert.equal(pool.free.length, 1);
  assert.ok(pool.free[0]!.every((r) => r === 0));
});

test('mergeSketchBytes merges as merge(fromBytes) does, and refuses what fromBytes refuses without merging', () => {
  const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 16385, maxLength: 16385 }), codes(5000).map((xs) => reference(xs).toBytes()));
  fc.assert(fc.property(codes(400), anyBytes, (base, bytes) => {
    const expected = reference(base);
    let refused: unknown;
    try {
      expected.merge(MergeableSketch.fromBytes(bytes));
    } catch (error) {
      refused = error;
    }
    const actual = reference(base);
    if (refused !== undefined) {
      assert.throws(() => mergeSketchBytes(actual, bytes), RangeError);
      assert.deepEqual(actual.toBytes(), reference(base).toBytes());
    } else {
      mergeSketchBytes(actual, bytes);
      assert.deepEqual(actual.toBytes(), expected.toBytes());
    }
  }), { numRuns: RUNS });
});
