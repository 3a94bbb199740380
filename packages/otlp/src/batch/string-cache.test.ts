// The rewriter's string cache must be invisible: for any bytes it returns what decodeUtf8
// returns, whatever was cached before (colliding slots, same length and different bytes,
// invalid UTF-8, lengths around the cached maximum). Cases: 300 sequences (CI=true: 60).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeUtf8 } from '../wire/utf8.js';
import { StringCache } from './string-cache.js';

const CASES = process.env.CI === 'true' ? 60 : 300;

test('StringCache.get equals decodeUtf8 over any sequence of byte ranges', () => {
  // A small alphabet makes equal lengths with different bytes (and repeats) common.
  const bytes = fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => b.map((x) => (x % 3 === 0 ? x : 97 + (x % 4))));
  let runs = 0;
  fc.assert(fc.property(fc.array(fc.tuple(bytes, fc.nat(8)), { minLength: 1, maxLength: 60 }), (items) => {
    runs++;
    const cache = new StringCache();
    for (const [b, pad] of items) {
      const buf = new Uint8Array(pad + b.length + 3);
      buf.set(b, pad);
      const twice = [cache.get(buf, pad, pad + b.length), cache.get(buf, pad, pad + b.length)];
      const want = decodeUtf8(buf, pad, pad + b.length);
      assert.equal(twice[0], want);
      assert.equal(twice[1], want);
    }
  }), { numRuns: CASES });
  console.log(`StringCache: ${runs} cases`);
});

test('StringCache: colliding keys are compared byte for byte, not by hash', () => {
  const cache = new StringCache();
  const seen = new Map<string, string>();
  // 5,000 distinct 6-byte keys over 1,024 slots: many collide, each must come back as itself.
  for (let i = 0; i < 5000; i++) {
    const s = `k${String(i).padStart(5, '0')}`;
    const b = new TextEncoder().encode(s);
    assert.equal(cache.get(b, 0, b.length), s);
    seen.set(s, s);
  }
  for (const s of seen.keys()) {
    const b = new TextEncoder().encode(s);
    assert.equal(cache.get(b, 0, b.length), s);
  }
});

test('bytesEqualString: ASCII strings against shorter, equal and longer byte runs, and non-ASCII ones', async () => {
  const { bytesEqualString } = await import('./attributes.js');
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const is = (bytes: string, s: string): boolean => { const b = enc(bytes); return bytesEqualString(b, 0, b.length, s); };
  assert.equal(is('SampleRate', 'SampleRate'), true);
  assert.equal(is('SampleRates', 'SampleRate'), false);
  assert.equal(is('Sample', 'SampleRate'), false);
  assert.equal(is('é.key', 'é.key'), true, 'two bytes for one unit');
  assert.equal(is('é.kex', 'é.key'), false);
  assert.equal(is('日本', '日本'), true, 'three bytes a unit');
  assert.equal(is('😀', '😀'), true, 'four bytes for a surrogate pair');
  assert.equal(is('ab', 'é'), false);
});
